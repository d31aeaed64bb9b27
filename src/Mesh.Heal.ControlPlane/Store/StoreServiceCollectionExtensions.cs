using Grpc.AspNetCore.Server;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Store.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Store;

/// <summary>Registers the store.</summary>
internal static class StoreServiceCollectionExtensions
{
    /// <summary>Adds <see cref="StoreOptions"/> (validated at start) and the store they choose: the SQLite file at
    /// <see cref="ControlPlaneOptions.StorePath"/>, or the PostgreSQL database at <see cref="StoreOptions.ConnectionString"/>;
    /// a gRPC call the database fails answers Unavailable.</summary>
    public static IServiceCollection AddMeshHealStore(this IServiceCollection services)
    {
        services.AddMeshHealOptions<StoreOptions, StoreOptionsValidator>();
        services.TryAddSingleton(sp => StoreOpener.Open(
            sp.GetRequiredService<IOptions<StoreOptions>>().Value,
            sp.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.StorePath,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MeshStore).FullName!)));
        services.TryAddSingleton<StoreUnavailableInterceptor>();
        services.AddOptions<GrpcServiceOptions>().Configure(grpc => grpc.Interceptors.Add<StoreUnavailableInterceptor>());
        return services;
    }
}
