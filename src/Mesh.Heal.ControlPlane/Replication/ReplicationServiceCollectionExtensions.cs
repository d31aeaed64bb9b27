using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Replication.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Heal.ControlPlane.Replication;

/// <summary>Registers what lets several replicas share one store.</summary>
internal static class ReplicationServiceCollectionExtensions
{
    /// <summary>Adds <see cref="HaOptions"/>, the leader election (before the services it gates, so a single replica leads from the start),
    /// the policy change feed and the telemetry inbox.</summary>
    public static IServiceCollection AddMeshHealReplication(this IServiceCollection services)
    {
        services.AddMeshHealOptions<HaOptions, HaOptionsValidator>();
        services.TryAddSingleton<LeaderElection>();
        services.AddHostedService(sp => sp.GetRequiredService<LeaderElection>());
        services.TryAddSingleton<PolicyFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<PolicyFeed>());
        services.TryAddSingleton<TelemetryInbox>();
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryInbox>());
        return services;
    }
}
