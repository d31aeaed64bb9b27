using Mesh.Heal.Health;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Agents.CircuitBreaker.Internal;

/// <summary>What the callers of one upstream, taken together, say about it.</summary>
internal enum UpstreamState
{
    /// <summary>Healthy, or no caller can tell.</summary>
    Healthy,

    /// <summary>Some failures, fewer than failing.</summary>
    Degraded,

    /// <summary>Answers, but slower than its callers' callers wait.</summary>
    Slow,

    /// <summary>Failing for a quorum of its callers.</summary>
    Failing,

    /// <summary>Its callers are held on their fallback by the agent, so none sees it; the verdict stands until the hold ends.</summary>
    Held,
}

/// <summary>The fleet's verdict on one upstream.</summary>
/// <param name="State">The verdict.</param>
/// <param name="Observers">Caller instances with enough attempts (or a tripped breaker) to see the upstream, not held on a fallback.</param>
/// <param name="Failing">Observers that see it failing.</param>
/// <param name="Forced">Caller instances whose policy forces the fallback or the breaker open, so they send it nothing.</param>
/// <param name="Needed">How many observers must see a failure for it to be the upstream's.</param>
/// <param name="FailureRatio">Failed attempts over attempts, over every observer.</param>
/// <param name="P99Ms">The median of the observers' p99 latencies.</param>
internal sealed record FleetVerdict(
    UpstreamState State, IReadOnlyList<EdgeObservation> Observers, IReadOnlyList<EdgeObservation> Failing, IReadOnlyList<EdgeObservation> Forced,
    int Needed, double FailureRatio, double P99Ms)
{
    public double Confidence => State switch
    {
        UpstreamState.Failing when Observers.Count == 1 => 0.6,
        UpstreamState.Failing => Math.Round(Math.Min(0.95, 0.5 + (0.5 * Failing.Count / Observers.Count)), 2),
        UpstreamState.Held => 0.5,
        _ => Observers.Count == 0 ? 0 : Math.Round(Math.Min(0.9, 0.5 + (0.1 * Observers.Count)), 2),
    };

    /// <summary>Judges <paramref name="upstream"/> from its callers' observations.</summary>
    /// <param name="graph">The call graph as the sidecars see it.</param>
    /// <param name="upstream">The service judged.</param>
    /// <param name="options">The thresholds.</param>
    /// <param name="open">Whether its issue is open, which keeps a degraded verdict until the failures fall below the degraded ratio.</param>
    public static FleetVerdict Judge(EdgesSlice graph, string upstream, CircuitBreakerAgentOptions options, bool open)
    {
        var inbound = graph.CallersOf(upstream).ToList();
        var forced = inbound.Where(e => IsForced(graph.PolicyOf(e.Caller, e.Cluster))).ToList();
        var observers = inbound.Except(forced).Where(e => e.Counts.Attempts >= options.MinimumAttempts || IsTripped(e.Breaker)).ToList();
        var failing = observers.Where(e => IsTripped(e.Breaker) || (e.Counts.Attempts > 0 && e.Counts.FailureRatio >= options.FailingRatio)).ToList();
        var attempts = observers.Sum(e => e.Counts.Attempts);
        var ratio = attempts == 0 ? 0 : (double)observers.Sum(e => e.Counts.AttemptFailures) / attempts;
        var latencies = observers.Where(e => e.Counts.Attempts > 0).Select(e => e.P99Ms).Order().ToList();
        var p99 = latencies.Count == 0 ? 0 : latencies[latencies.Count / 2];
        var needed = (int)Math.Floor(observers.Count * options.Quorum) + 1;
        var state = observers.Count switch
        {
            0 => UpstreamState.Healthy,
            _ when failing.Count >= needed => UpstreamState.Failing,
            _ when ratio >= options.DegradedRatio && (open || failing.Count == 0) => UpstreamState.Degraded,
            _ => UpstreamState.Healthy,
        };
        return new FleetVerdict(state, observers, failing, forced, needed, ratio, p99);
    }

    public static bool IsForced(ClusterPolicy? policy) => policy?.Override is BreakerOverride.ForceFallback or BreakerOverride.ForceOpen;

    public static bool IsTripped(BreakerState? breaker) => breaker is BreakerState.Open or BreakerState.HalfOpen;
}
