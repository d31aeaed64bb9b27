using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.Healing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Heal.ControlPlane.Git;

/// <summary>Registers the services' repositories and the git actuator.</summary>
internal static class GitServiceCollectionExtensions
{
    /// <summary>Adds the repository index and the git actuator (patches, pull requests).</summary>
    public static IServiceCollection AddMeshHealGit(this IServiceCollection services)
    {
        services.TryAddSingleton<RepositoryIndex>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSource, SourcesSource>());
        services.TryAddSingleton<GitActuator>();
        services.AddActuator<PatchReview, ReviewUndo, GitActuator>();
        return services;
    }
}
