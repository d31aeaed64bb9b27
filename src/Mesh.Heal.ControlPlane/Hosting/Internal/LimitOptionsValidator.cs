using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Hosting.Internal;

/// <summary>Checks <c>ControlPlane:Limits</c>: each limit within the range its <see cref="System.ComponentModel.DataAnnotations.RangeAttribute"/> states.</summary>
internal sealed class LimitOptionsValidator : IValidateOptions<LimitOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, LimitOptions options)
    {
        var errors = new OptionsErrors();
        errors.Annotated(options, ControlPlaneSections.Limits);
        return errors.Result();
    }
}
