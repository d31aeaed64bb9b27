using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Resources.Internal;
using Mesh.Heal.Healing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Resources;

/// <summary>Registers resource collection and cleanup.</summary>
internal static class ResourcesServiceCollectionExtensions
{
    /// <summary>Adds <see cref="ResourceOptions"/>, the Prometheus client, the resource collector and the cleanup actuator.</summary>
    public static IServiceCollection AddMeshHealResources(this IServiceCollection services)
    {
        services.AddMeshHealOptions<ResourceOptions, ResourceOptionsValidator>();
        services.TryAddSingleton(_ => new PrometheusClient(new HttpClient { Timeout = TimeSpan.FromSeconds(30) }));
        services.TryAddSingleton<ResourceCollector>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSource, ResourcesSource>());
        services.AddHostedService(sp => sp.GetRequiredService<ResourceCollector>());
        services.TryAddSingleton(sp => new CleanupActuator(
            new HttpClient(), sp.GetRequiredService<KubernetesApi>(), sp.GetRequiredService<IOptions<ResourceOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddActuator<Cleanup, CleanupUndo, CleanupActuator>();
        return services;
    }
}
