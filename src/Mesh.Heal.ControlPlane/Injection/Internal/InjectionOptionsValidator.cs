using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.Injection;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Injection.Internal;

/// <summary>Checks <c>ControlPlane:Injection</c> at start-up: what the webhook writes into every injected pod.</summary>
internal sealed class InjectionOptionsValidator : IValidateOptions<InjectionOptions>
{
    public ValidateOptionsResult Validate(string? name, InjectionOptions options)
    {
        var errors = new List<string>();
        var section = ControlPlaneSections.Injection;
        if (string.IsNullOrWhiteSpace(options.Image) || options.Image.Any(char.IsWhiteSpace))
        {
            errors.Add($"{section}:Image: '{options.Image}' is not accepted; accepted: an image reference with no spaces, such as ghcr.io/mesh-heal/meshheal:0.1.0");
        }

        if (!Uri.TryCreate(options.ControlPlaneUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            errors.Add($"{section}:ControlPlaneUrl: '{options.ControlPlaneUrl}' is not accepted; accepted: the control plane's gRPC URL as sidecars reach it, http:// or https://");
        }

        if (string.IsNullOrWhiteSpace(options.TokenSecretPattern) || string.IsNullOrWhiteSpace(options.TokenSecretKey))
        {
            errors.Add($"{section}:TokenSecretPattern: '{options.TokenSecretPattern}' (key '{options.TokenSecretKey}') is not accepted; accepted: a Secret name, {{service}} for the service's name, and a key");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
