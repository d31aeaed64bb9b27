using Mesh.Heal.Agents;
using Mesh.Heal.Agents.BugFixing;
using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.Agents.CircuitBreaker;
using Mesh.Heal.Agents.Resources;
using Mesh.Heal.Agents.Scaling;
using Mesh.Heal.ControlPlane.Healing.Internal;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.Healing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Registers the healing pipeline.</summary>
internal static class HealingServiceCollectionExtensions
{
    /// <summary>Adds <see cref="HealingOptions"/>, <see cref="AgentOptions"/>, the agents, the snapshot builder, the policy actuator and the coordinator.</summary>
    public static IServiceCollection AddMeshHealHealing(this IServiceCollection services)
    {
        services.AddMeshHealOptions<HealingOptions, HealingOptionsValidator>();
        services.AddMeshHealOptions<AgentOptions, AgentOptionsValidator>();

        // The agents take their own options class, not the control plane's.
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value.CircuitBreaker);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value.Resources);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value.Capacity);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value.Scaling);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value.BugFixer);
        services.TryAddSingleton<SnapshotBuilder>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSource, HealingHistorySource>());
        services.TryAddSingleton<PolicyActuator>();
        services.AddActuator<PolicyPatch, PolicyUndo, PolicyActuator>();
        services.TryAddSingleton<HealingCoordinator>();
        services.AddHostedService(sp => sp.GetRequiredService<HealingCoordinator>());

        // The agents: one line each.
        services.AddHealingAgent<CircuitBreakerAgent>();
        services.AddHealingAgent<ResourceExhaustionAgent>();
        services.AddHealingAgent<CapacityPlannerAgent>();
        services.AddHealingAgent<ScalingAdjusterAgent>();
        services.AddHealingAgent<BugFixerAgent>();
        return services;
    }

    /// <summary>Registers an agent with the coordinator.</summary>
    public static IServiceCollection AddHealingAgent<TAgent>(this IServiceCollection services)
        where TAgent : class, IHealingAgent
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealingAgent, TAgent>());
        return services;
    }
}
