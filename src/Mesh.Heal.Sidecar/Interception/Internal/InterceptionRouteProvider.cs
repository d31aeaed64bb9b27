using Mesh.Heal.Sidecar.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Mesh.Heal.Sidecar.Interception.Internal;

/// <summary>With interception on, one YARP route per configured cluster, matched by Host (<see cref="InterceptionMatcherPolicy"/>).</summary>
/// <remarks>
/// A second configuration provider beside YARP's own, so that a Host-routed request is an ordinary YARP request to the
/// cluster: the resilience middleware, load balancing, passive health and transforms apply exactly as on an explicit
/// route. The routes match every path and come first (<see cref="RouteConfig.Order"/> is the lowest), and the matcher
/// policy keeps each one only for a Host that names its cluster, so an explicit call (whose Host is the sidecar's
/// address) never sees them. They follow the <c>ReverseProxy:Clusters</c> section when the configuration reloads.
/// </remarks>
internal sealed class InterceptionRouteProvider : IProxyConfigProvider
{
    /// <summary>The prefix of the route ids this provider makes; the rest is the cluster id.</summary>
    public const string RoutePrefix = "meshheal-interception/";

    private readonly IConfiguration _configuration;
    private readonly bool _enabled;

    public InterceptionRouteProvider(IConfiguration configuration, IOptions<SidecarOptions> options)
    {
        _configuration = configuration;
        _enabled = options.Value.Interception.Enabled;
    }

    /// <summary>The cluster a Host route of this provider goes to, or null for any other endpoint.</summary>
    public static string? ClusterOf(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<RouteModel>()?.Config is { } route && route.RouteId.StartsWith(RoutePrefix, StringComparison.Ordinal)
            ? route.ClusterId
            : null;

    public IProxyConfig GetConfig()
    {
        // The token first: a reload between reading the section and taking the token would otherwise be missed.
        var token = _configuration.GetReloadToken();
        if (!_enabled)
        {
            return new Config([], token);
        }

        var routes = new List<RouteConfig>();
        foreach (var cluster in _configuration.GetSection("ReverseProxy:Clusters").GetChildren())
        {
            if (string.IsNullOrWhiteSpace(cluster.Key))
            {
                continue;
            }

            routes.Add(new RouteConfig
            {
                RouteId = RoutePrefix + cluster.Key,
                ClusterId = cluster.Key,
                Order = int.MinValue,
                Match = new RouteMatch { Path = "/{**meshheal-intercepted}" },
            });
        }

        return new Config(routes, token);
    }

    private sealed class Config(IReadOnlyList<RouteConfig> routes, IChangeToken token) : IProxyConfig
    {
        public IReadOnlyList<RouteConfig> Routes => routes;

        public IReadOnlyList<ClusterConfig> Clusters => [];

        public IChangeToken ChangeToken => token;
    }
}
