using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Hosting.Internal;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Resources;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Auth.Internal;

/// <summary>Checks <c>ControlPlane:Auth</c>: the tokens (read as the authenticator reads them) and, when they are on,
/// the service accounts, which need an API server from <c>ControlPlane:Kubernetes</c>.</summary>
internal sealed class AuthOptionsValidator(IEnumerable<IConfigureOptions<KubernetesOptions>> kubernetes) : IValidateOptions<AuthOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, AuthOptions options) => Check(options, OptionsErrors.Configured(kubernetes)).Result();

    /// <summary>Every rule of <see cref="AuthOptions"/>.</summary>
    public static OptionsErrors Check(AuthOptions options, KubernetesOptions kubernetes)
    {
        var errors = new OptionsErrors();
        errors.AddRange(TokenAuthenticator.Create(options).Errors);
        var accounts = options.ServiceAccounts;
        if (!accounts.Enabled)
        {
            return errors;
        }

        const string Section = ControlPlaneSections.Auth + ":ServiceAccounts";
        errors.Annotated(accounts, Section);
        if (!kubernetes.InCluster && string.IsNullOrEmpty(kubernetes.Server))
        {
            errors.Add(Section + ":Enabled", $"is true but no API server is set; accepted: {ControlPlaneSections.Kubernetes}:Server, or {ControlPlaneSections.Kubernetes}:InCluster true");
        }

        foreach (var (account, service) in accounts.Services)
        {
            if (account.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                errors.Add(Section + ":Services:" + account, "is not a service account; accepted: <namespace>/<name>");
            }
            else if (!PolicyDocument.IsServiceName(service))
            {
                errors.Add(Section + ":Services:" + account, $"'{service}' is not a service name; accepted: {PolicyDocument.ServiceNameRule}");
            }
        }

        return errors;
    }
}
