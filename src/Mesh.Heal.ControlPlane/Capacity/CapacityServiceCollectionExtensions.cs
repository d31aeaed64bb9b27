using Mesh.Heal.ControlPlane.Capacity.Internal;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.Healing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Heal.ControlPlane.Capacity;

/// <summary>Registers capacity planning's data and the HPA actuator.</summary>
internal static class CapacityServiceCollectionExtensions
{
    /// <summary>Adds <see cref="CapacityOptions"/>, the HPA actuator and the capacity collector.</summary>
    public static IServiceCollection AddMeshHealCapacity(this IServiceCollection services)
    {
        services.AddMeshHealOptions<CapacityOptions, CapacityOptionsValidator>();
        services.TryAddSingleton<HpaReader>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSource, LoadsSource>());
        services.TryAddSingleton<HpaActuator>();
        services.AddActuator<HpaChange, HpaUndo, HpaActuator>();
        services.TryAddSingleton<CapacityCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<CapacityCollector>());
        return services;
    }
}
