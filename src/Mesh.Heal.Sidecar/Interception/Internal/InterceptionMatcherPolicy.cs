using Mesh.Heal.Sidecar.Hosting;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Mesh.Heal.Sidecar.Interception.Internal;

/// <summary>Keeps a Host route (<see cref="InterceptionRouteProvider"/>) only for a Host that names its cluster, and keeps
/// the configured routes away from redirected connections.</summary>
/// <remarks>
/// A redirected connection carries traffic the application meant for somewhere else: a configured route (written for
/// explicit calls to the sidecar, such as a catch-all) must not capture it, so such a request either names a cluster or
/// matches nothing and is passed through to its original destination.
/// </remarks>
internal sealed class InterceptionMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    private readonly bool _enabled;

    public InterceptionMatcherPolicy(IOptions<SidecarOptions> options) => _enabled = options.Value.Interception.Enabled;

    // After YARP's own header and query policies, which only narrow the candidates further.
    public override int Order => int.MaxValue - 100;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        if (!_enabled)
        {
            return false;
        }

        for (var i = 0; i < endpoints.Count; i++)
        {
            if (endpoints[i].Metadata.GetMetadata<RouteModel>() is not null)
            {
                return true;
            }
        }

        return false;
    }

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var redirected = httpContext.Features.Get<OriginalDestinationFeature>() is not null;
        var name = InterceptedHost.Name(httpContext.Request.Host.Value);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!candidates.IsValidCandidate(i))
            {
                continue;
            }

            var endpoint = candidates[i].Endpoint;
            if (InterceptionRouteProvider.ClusterOf(endpoint) is { } cluster)
            {
                if (!InterceptedHost.Names(name, cluster))
                {
                    candidates.SetValidity(i, false);
                }
            }
            else if (redirected && endpoint.Metadata.GetMetadata<RouteModel>() is not null)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
