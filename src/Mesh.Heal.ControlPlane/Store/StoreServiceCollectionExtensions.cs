using Mesh.Heal.ControlPlane.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Store;

/// <summary>Registers the store.</summary>
internal static class StoreServiceCollectionExtensions
{
    /// <summary>Adds the SQLite store at <see cref="ControlPlaneOptions.StorePath"/>.</summary>
    public static IServiceCollection AddMeshHealStore(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new MeshStore(sp.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.StorePath, sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
