using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Heal.ControlPlane.Policies;

/// <summary>Registers policy storage and push.</summary>
internal static class PoliciesServiceCollectionExtensions
{
    /// <summary>Adds the policy service, the push to sidecars, the answer writer and the policy directory watcher.</summary>
    public static IServiceCollection AddMeshHealPolicies(this IServiceCollection services)
    {
        services.TryAddSingleton<PolicyService>();
        services.TryAddSingleton<PolicyDistributor>();
        services.TryAddSingleton<PolicyAnswerWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<PolicyAnswerWriter>());
        services.AddHostedService<PolicyDirectoryWatcher>();
        return services;
    }
}
