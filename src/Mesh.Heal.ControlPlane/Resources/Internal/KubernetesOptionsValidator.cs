using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Resources.Internal;

/// <summary>Checks <c>ControlPlane:Kubernetes</c>: the API server, when set, is an http(s) URL.</summary>
internal sealed class KubernetesOptionsValidator : IValidateOptions<KubernetesOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, KubernetesOptions options)
    {
        var errors = new OptionsErrors();
        errors.Url(ControlPlaneSections.Kubernetes + ":Server", options.Server);
        return errors.Result();
    }
}
