using System.Globalization;
using System.Text.Json.Serialization;

namespace Mesh.Heal.Healing;

/// <summary>Changes fields of a service's HorizontalPodAutoscaler.</summary>
/// <param name="ServiceName">The service whose HPA changes.</param>
/// <param name="Changes">The fields and their new values.</param>
public sealed record HpaChange(string ServiceName, IReadOnlyList<HpaFieldChange> Changes) : ActuatorCommand
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string Service => ServiceName;

    /// <inheritdoc/>
    [JsonIgnore]
    public override string Target => ServiceName;

    /// <inheritdoc/>
    [JsonIgnore]
    public override IReadOnlyList<string> Changed => [.. Changes.Select(c => HpaFields.Name(c.Field).ToLowerInvariant()).Order(StringComparer.Ordinal)];

    /// <inheritdoc/>
    [JsonIgnore]
    public override ActuatorCommand? Inverse =>
        Changes.Count > 0 && Changes.All(c => c.Previous is not null)
            ? new HpaChange(ServiceName, [.. Changes.Select(c => new HpaFieldChange(c.Field, c.Previous!.Value) { Previous = c.Value })])
            : null;

    /// <inheritdoc/>
    public override string DescribeUndo() => Inverse is HpaChange inverse
        ? $"write {ServiceName}'s HPA back to {string.Join(", ", inverse.Changes.Select(c => $"{HpaFields.Name(c.Field)} {c.Value.ToString(CultureInfo.InvariantCulture)}"))}"
        : $"write {ServiceName}'s HPA {string.Join(", ", Changes.Select(c => HpaFields.Name(c.Field)))} back as they were";

    /// <inheritdoc/>
    public override IReadOnlyList<(string Field, string Message)> Validate()
    {
        var errors = new List<(string, string)>();
        if (!AgentOutputValidator.IsName(ServiceName))
        {
            errors.Add(("serviceName", $"'{ServiceName}' is not a name; accepted: {AgentOutputValidator.NameRule}"));
        }

        if (Changes.Count == 0)
        {
            errors.Add(("changes", "is empty; accepted: at least one HPA field"));
        }

        foreach (var c in Changes.Where(c => !Enum.IsDefined(c.Field) || !(c.Value >= 0)))
        {
            errors.Add(("changes", $"{c.Field} {c.Value} is not accepted; accepted: {string.Join(", ", Enum.GetNames<HpaField>())} with a non-negative value"));
        }

        return errors;
    }
}

/// <summary>One field of an <see cref="HpaChange"/>.</summary>
/// <param name="Field">The field.</param>
/// <param name="Value">Its new value: replicas, a share of 1 for the utilisation target, seconds for the windows.</param>
public sealed record HpaFieldChange(HpaField Field, double Value)
{
    /// <summary>What the agent saw there before, when it knew: makes the <see cref="HpaChange.Inverse"/>.</summary>
    public double? Previous { get; init; }
}

/// <summary>The fields of a HorizontalPodAutoscaler a healing may change.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HpaField>))]
public enum HpaField
{
    /// <summary><c>spec.minReplicas</c>.</summary>
    MinReplicas,

    /// <summary><c>spec.maxReplicas</c>.</summary>
    MaxReplicas,

    /// <summary>The average utilisation target of its Resource metric, as a share of 1.</summary>
    TargetUtilization,

    /// <summary><c>spec.behavior.scaleUp.stabilizationWindowSeconds</c>.</summary>
    ScaleUpStabilization,

    /// <summary><c>spec.behavior.scaleDown.stabilizationWindowSeconds</c>.</summary>
    ScaleDownStabilization,
}

/// <summary>Names of <see cref="HpaField"/> as operators and configuration write them.</summary>
public static class HpaFields
{
    /// <summary>The field's name in camelCase: <c>maxReplicas</c>.</summary>
    public static string Name(HpaField field) => field switch
    {
        HpaField.MinReplicas => "minReplicas",
        HpaField.MaxReplicas => "maxReplicas",
        HpaField.TargetUtilization => "targetUtilization",
        HpaField.ScaleUpStabilization => "scaleUpStabilization",
        HpaField.ScaleDownStabilization => "scaleDownStabilization",
        _ => field.ToString(),
    };
}
