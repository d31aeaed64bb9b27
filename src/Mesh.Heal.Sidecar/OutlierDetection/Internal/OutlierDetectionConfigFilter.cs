using Yarp.ReverseProxy.Configuration;

namespace Mesh.Heal.Sidecar.OutlierDetection.Internal;

/// <summary>Turns on Mesh.Heal's passive outlier ejection for every cluster that does not configure passive health itself.</summary>
internal sealed class OutlierDetectionConfigFilter : IProxyConfigFilter
{
    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        if (cluster.HealthCheck?.Passive is not null)
        {
            return new(cluster);
        }

        var healthCheck = (cluster.HealthCheck ?? new HealthCheckConfig()) with
        {
            Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = ConsecutiveFailuresPolicy.PolicyName },
        };
        return new(cluster with { HealthCheck = healthCheck });
    }

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) => new(route);
}
