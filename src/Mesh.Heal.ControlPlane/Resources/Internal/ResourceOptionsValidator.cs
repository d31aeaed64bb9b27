using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Resources.Internal;

/// <summary>Checks <c>ControlPlane:Resources</c>: windows, Prometheus servers, queries and each service's cleanup
/// (a <c>kubernetes</c> cleanup needs an API server from <c>ControlPlane:Kubernetes</c>).</summary>
internal sealed class ResourceOptionsValidator(IEnumerable<IConfigureOptions<KubernetesOptions>> kubernetes) : IValidateOptions<ResourceOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ResourceOptions options) => Check(options, OptionsErrors.Configured(kubernetes)).Result();

    /// <summary>Every rule of <see cref="ResourceOptions"/>.</summary>
    public static OptionsErrors Check(ResourceOptions resources, KubernetesOptions kubernetes)
    {
        const string Section = ControlPlaneSections.Resources;
        var errors = new OptionsErrors();
        errors.Duration(Section + ":Lookback", resources.Lookback, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30));
        errors.Duration(Section + ":Step", resources.Step, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        errors.Duration(Section + ":Refresh", resources.Refresh, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        errors.Url(Section + ":Prometheus", resources.Prometheus);
        foreach (var (service, settings) in resources.Services)
        {
            var prefix = $"{Section}:Services:{service}";
            errors.Url(prefix + ":Prometheus", settings.Prometheus);
            foreach (var (name, query) in settings.Queries)
            {
                if (string.IsNullOrWhiteSpace(query.Query))
                {
                    errors.Add($"{prefix}:Queries:{name}:Query", "is empty; accepted: a PromQL expression, {selector} standing for the service's selector");
                }
            }

            if (settings.Cleanup is not { } cleanup)
            {
                continue;
            }

            if (!CleanupOptions.Methods.Contains(cleanup.Method))
            {
                errors.Add(prefix + ":Cleanup:Method", $"'{cleanup.Method}' is not accepted; accepted: {string.Join(", ", CleanupOptions.Methods)}");
            }
            else if (cleanup.Method == "webhook" && !Uri.TryCreate(cleanup.Url?.Replace("{", string.Empty, StringComparison.Ordinal).Replace("}", string.Empty, StringComparison.Ordinal), UriKind.Absolute, out _))
            {
                errors.Add(prefix + ":Cleanup:Url", $"'{cleanup.Url}' is not accepted; accepted: an http:// or https:// URL ({{instance}}, {{service}}, {{resource}} are replaced)");
            }
            else if (cleanup.Method == "command" && cleanup.Command.Length == 0)
            {
                errors.Add(prefix + ":Cleanup:Command", "is empty; accepted: a program and its arguments");
            }
            else if (cleanup.Method == "kubernetes" && !kubernetes.InCluster && string.IsNullOrEmpty(kubernetes.Server))
            {
                errors.Add(prefix + ":Cleanup:Method", $"kubernetes needs {ControlPlaneSections.Kubernetes}:Server or {ControlPlaneSections.Kubernetes}:InCluster true");
            }

            errors.Duration(prefix + ":Cleanup:Timeout", cleanup.Timeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        }

        return errors;
    }
}
