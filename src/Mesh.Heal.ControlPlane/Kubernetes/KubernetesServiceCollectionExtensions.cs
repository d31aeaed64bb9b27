using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.ControlPlane.Resources.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Heal.ControlPlane.Kubernetes;

/// <summary>Registers the Kubernetes API client.</summary>
internal static class KubernetesServiceCollectionExtensions
{
    /// <summary>Adds <see cref="KubernetesOptions"/> and the API client.</summary>
    public static IServiceCollection AddMeshHealKubernetes(this IServiceCollection services)
    {
        services.AddMeshHealOptions<KubernetesOptions, KubernetesOptionsValidator>();
        services.TryAddSingleton<KubernetesApi>();
        return services;
    }
}
