using System.Runtime.CompilerServices;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Mesh.Heal.Sidecar.OutlierDetection.Internal;

/// <summary>Passive outlier ejection: a destination that fails N times in a row is taken out for a while.</summary>
/// <remarks>
/// Failures are transport errors, timeouts, 5xx answers and gRPC server errors, as for the breaker. At most
/// <c>MaxEjectionPercent</c> of a cluster's destinations are out at once, and never the last one, so ejection
/// skips one bad replica but leaves a cluster-wide outage to the circuit breaker and the fallback.
/// </remarks>
internal sealed partial class ConsecutiveFailuresPolicy : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "MeshHealConsecutiveFailures";

    private readonly ConditionalWeakTable<DestinationState, StrongBox<int>> _failures = new();
    private readonly ClusterResilienceRegistry _registry;
    private readonly IDestinationHealthUpdater _healthUpdater;
    private readonly ILogger _logger;

    public ConsecutiveFailuresPolicy(ClusterResilienceRegistry registry, IDestinationHealthUpdater healthUpdater, ILogger<ConsecutiveFailuresPolicy> logger)
    {
        _registry = registry;
        _healthUpdater = healthUpdater;
        _logger = logger;
    }

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        var policy = _registry.Get(cluster.ClusterId).Policy.OutlierDetection;
        if (policy.ConsecutiveFailures == 0)
        {
            return;
        }

        var failures = _failures.GetValue(destination, static _ => new StrongBox<int>());
        if (!IsFailure(context))
        {
            if (Volatile.Read(ref failures.Value) != 0)
            {
                Volatile.Write(ref failures.Value, 0);
            }

            return;
        }

        if (Interlocked.Increment(ref failures.Value) < policy.ConsecutiveFailures
            || destination.Health.Passive == DestinationHealth.Unhealthy)
        {
            return;
        }

        var all = cluster.DestinationsState.AllDestinations;
        var ejected = 0;
        foreach (var d in all)
        {
            if (d.Health.Passive == DestinationHealth.Unhealthy)
            {
                ejected++;
            }
        }

        if (ejected + 1 >= all.Count || (ejected + 1) * 100 > all.Count * policy.MaxEjectionPercent)
        {
            return;
        }

        Volatile.Write(ref failures.Value, 0);
        _healthUpdater.SetPassive(cluster, destination, DestinationHealth.Unhealthy, policy.EjectionDuration);
        LogEjected(_logger, destination.DestinationId, cluster.ClusterId, policy.ConsecutiveFailures, policy.EjectionDuration);
    }

    private static bool IsFailure(HttpContext context)
    {
        if (context.Features.Get<ResilientRequest>() is { AttemptTimedOut: true })
        {
            return true;
        }

        if (context.Features.Get<IForwarderErrorFeature>() is { } error && !error.Error.IsCausedByClient())
        {
            return true;
        }

        return UpstreamFailure.IsAnsweredFailure(context);
    }
}
