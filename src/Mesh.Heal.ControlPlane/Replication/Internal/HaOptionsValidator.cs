using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Replication.Internal;

/// <summary>Checks <c>ControlPlane:Ha</c>: a lease long enough to be renewed at least twice before it expires.</summary>
internal sealed class HaOptionsValidator : IValidateOptions<HaOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, HaOptions options) => Check(options).Result();

    /// <summary>Every rule of <see cref="HaOptions"/>.</summary>
    public static OptionsErrors Check(HaOptions ha)
    {
        const string Section = ControlPlaneSections.Ha;
        var errors = new OptionsErrors();
        errors.Duration(Section + ":LeaseDuration", ha.LeaseDuration, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(5));
        errors.Duration(Section + ":RenewInterval", ha.RenewInterval, TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(1));
        errors.Duration(Section + ":PollInterval", ha.PollInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        if (ha.RenewInterval > ha.LeaseDuration / 2)
        {
            errors.Add(Section + ":RenewInterval", $"{ha.RenewInterval:c} is longer than half of LeaseDuration ({ha.LeaseDuration:c}); accepted: at most half, so a lease is renewed at least twice before it expires");
        }

        return errors;
    }
}
