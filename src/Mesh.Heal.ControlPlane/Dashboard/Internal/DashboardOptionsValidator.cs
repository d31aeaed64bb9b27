using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Dashboard.Internal;

/// <summary>Checks <c>ControlPlane:Dashboard</c>.</summary>
internal sealed class DashboardOptionsValidator : IValidateOptions<DashboardOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, DashboardOptions options) => Check(options).Result();

    /// <summary>Every rule of <see cref="DashboardOptions"/>.</summary>
    public static OptionsErrors Check(DashboardOptions options)
    {
        const string Section = ControlPlaneSections.Dashboard;
        var errors = new OptionsErrors();
        errors.Duration(Section + ":RefreshInterval", options.RefreshInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        errors.Duration(Section + ":KeepAliveInterval", options.KeepAliveInterval, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        return errors;
    }
}
