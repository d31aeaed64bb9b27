using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Mesh.Heal.Policy;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Hosting.Internal;

/// <summary>Gathers the failures of one options class, each as <c>ControlPlane:Section:Setting: what is wrong; accepted: ...</c>.</summary>
/// <remarks>
/// The validators of every feature write through it, so the messages keep one shape, and
/// <see cref="ToErrors"/> turns a failed start-up validation back into <see cref="PolicyError"/>s.
/// </remarks>
internal sealed class OptionsErrors
{
    private readonly List<PolicyError> _errors = [];

    /// <summary>The failures so far.</summary>
    public IReadOnlyList<PolicyError> Errors => _errors;

    /// <summary>Adds a failure.</summary>
    public void Add(string field, string message) => _errors.Add(new PolicyError(field, message));

    /// <summary>Adds failures found elsewhere.</summary>
    public void AddRange(IEnumerable<PolicyError> errors) => _errors.AddRange(errors);

    /// <summary>Checks every <see cref="RangeAttribute"/> on <paramref name="options"/>' own properties; the setting is <c>section:Property</c>.</summary>
    /// <remarks>The data annotations are the accepted ranges; they are checked here, rather than by
    /// <c>ValidateDataAnnotations</c>, so the message names the full setting and its value as every other check does.</remarks>
    public void Annotated(object options, string section)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<RangeAttribute>() is { } range)
            {
                var value = property.GetValue(options);
                if (!range.IsValid(value))
                {
                    Add($"{section}:{property.Name}",
                        $"{Format(value, range.OperandType)} is out of range; accepted: {Format(range.Minimum, range.OperandType)} to {Format(range.Maximum, range.OperandType)}");
                }
            }
        }
    }

    /// <summary>Checks that a duration is within <paramref name="min"/> and <paramref name="max"/>.</summary>
    public void Duration(string field, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            Add(field, $"{value:c} is out of range; accepted: {min:c} to {max:c}");
        }
    }

    /// <summary>Checks that a number is within <paramref name="min"/> and <paramref name="max"/>.</summary>
    public void Range(string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            Add(field, $"{value} is out of range; accepted: {min} to {max}");
        }
    }

    /// <summary>Checks that a set value is an absolute <c>http://</c> or <c>https://</c> URL.</summary>
    public void Url(string field, string? value)
    {
        if (value is { Length: > 0 } && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            Add(field, $"'{value}' is not accepted; accepted: an http:// or https:// URL");
        }
    }

    /// <summary>Another feature's options as configured, without running that feature's validation.</summary>
    /// <remarks>A validator that reads another feature's settings through <c>IOptions&lt;T&gt;</c> would fail with that
    /// feature's errors in place of its own when that feature is invalid; that feature's validator reports them.</remarks>
    public static T Configured<T>(IEnumerable<IConfigureOptions<T>> setups)
        where T : class, new()
    {
        var options = new T();
        foreach (var setup in setups)
        {
            setup.Configure(options);
        }

        return options;
    }

    /// <summary>The result for <see cref="IValidateOptions{TOptions}"/>.</summary>
    public ValidateOptionsResult Result() =>
        _errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_errors.Select(e => e.ToString()));

    /// <summary>The failures of a start-up validation, back as <see cref="PolicyError"/>s, each once.</summary>
    /// <remarks>A validator that reads another feature's options fails with that feature's failures too, so the same failure can come twice.</remarks>
    public static List<PolicyError> ToErrors(IEnumerable<string> failures) => failures
        .Distinct(StringComparer.Ordinal)
        .Select(f => f.IndexOf(": ", StringComparison.Ordinal) is var at and > 0 ? new PolicyError(f[..at], f[(at + 2)..]) : new PolicyError(ControlPlaneOptions.SectionName, f))
        .ToList();

    private static string Format(object? value, Type type) => value switch
    {
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        string text when type == typeof(TimeSpan) => TimeSpan.Parse(text, CultureInfo.InvariantCulture).ToString("c", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "(none)",
    };
}
