using Mesh.Heal.ControlPlane.Dashboard.Internal;
using Mesh.Heal.ControlPlane.Hosting;
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
        services.TryAddSingleton<TopologyBuilder>();
        services.TryAddSingleton<ForecastBuilder>();
        return services;
    }
}
