using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Telemetry;

/// <summary>Registers telemetry intake.</summary>
internal static class TelemetryServiceCollectionExtensions
{
    /// <summary>Adds the live aggregator (bounded by <see cref="LimitOptions"/>), the rollup writer and the anomaly monitor.</summary>
    public static IServiceCollection AddMeshHealTelemetry(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var limits = sp.GetRequiredService<IOptions<LimitOptions>>().Value;
            return new TelemetryAggregator(sp.GetRequiredService<TimeProvider>(), limits.MaxInstances, limits.InstanceTtl, sp.GetRequiredService<ControlPlaneMetrics>());
        });
        services.AddHostedService<RollupWriter>();
        services.TryAddSingleton<AnomalyMonitor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSource, EdgesSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSource, AnomaliesSource>());
        return services;
    }
}
