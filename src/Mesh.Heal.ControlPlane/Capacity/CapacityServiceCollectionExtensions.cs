using Mesh.Heal.ControlPlane.Capacity.Internal;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.Healing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Heal.ControlPlane.Capacity;

/// <summary>Registers capacity planning's data and the HPA actuator.</summary>
internal static class CapacityServiceCollectionExtensions
{
    /// <summary>Adds <see cref="CapacityOptions"/>, the HPA actuator, the capacity collector and the replica history recorder.</summary>
    public static IServiceCollection AddMeshHealCapacity(this IServiceCollection services)
    {
        services.AddMeshHealOptions<CapacityOptions, CapacityOptionsValidator>();
        services.TryAddSingleton<HpaReader>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSource, LoadsSource>());
        services.TryAddSingleton<HpaActuator>();
        services.AddActuator<HpaChange, HpaUndo, HpaActuator>();
        services.TryAddSingleton<CapacityCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<CapacityCollector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRunObserver, ReplicaHistoryRecorder>());
        return services;
    }
}
