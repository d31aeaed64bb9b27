using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Dashboard.Internal;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Store;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Heal.ControlPlane.Dashboard;

/// <summary>Registers the dashboard.</summary>
internal static class DashboardServiceCollectionExtensions
{
    /// <summary>Adds <see cref="DashboardOptions"/>, the embedded page, the in-process API caller for the event stream, and the
    /// topology and forecast builders behind <c>GetTopology</c> and <c>GetForecasts</c>.</summary>
    public static IServiceCollection AddMeshHealDashboard(this IServiceCollection services)
    {
        services.AddMeshHealOptions<DashboardOptions, DashboardOptionsValidator>();
        services.TryAddSingleton(_ => new DashboardFiles(typeof(DashboardFiles).Assembly, DashboardConstants.ResourcePrefix));
        services.TryAddSingleton<LocalApi>();
        services.TryAddSingleton<AnswerCache>();
        services.TryAddSingleton<TopologyBuilder>();
        // Its own loads source: the coordinator's caches its loads for its own runs, unsynchronized.
        services.TryAddSingleton(sp => new ForecastBuilder(
            sp.GetRequiredService<MeshStore>(), ActivatorUtilities.CreateInstance<LoadsSource>(sp), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
