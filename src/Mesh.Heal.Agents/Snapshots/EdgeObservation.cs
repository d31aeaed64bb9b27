using Mesh.Heal.Healing;
using Mesh.Heal.Health;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents;

/// <summary>What one sidecar instance of <paramref name="Caller"/> saw of its cluster <paramref name="Cluster"/> over the live window.</summary>
/// <param name="Caller">The service the sidecar is in front of.</param>
/// <param name="Instance">The sidecar instance.</param>
/// <param name="Cluster">The YARP cluster it calls.</param>
/// <param name="Upstream">The service behind the cluster: the service of that name when the mesh has one, else the cluster id.</param>
/// <param name="Health">The cluster's health in the newest report.</param>
/// <param name="Breaker">The cluster's breaker in the newest report.</param>
/// <param name="Counts">The counts summed over the window.</param>
/// <param name="P50Ms">Median latency the caller saw, in milliseconds.</param>
/// <param name="P99Ms">99th percentile latency the caller saw, in milliseconds.</param>
public sealed record EdgeObservation(
    string Caller, string Instance, string Cluster, string Upstream, HealthState? Health, BreakerState? Breaker, EdgeCounts Counts, double P50Ms, double P99Ms)
{
    /// <summary><c>caller/cluster</c>, as in <see cref="EdgesSlice.History"/> and <see cref="HealingAction.Signal"/>.</summary>
    public string Edge => $"{Caller}/{Cluster}";
}

/// <summary>Request counts of an edge, as the sidecar reports them.</summary>
public sealed record EdgeCounts(
    long Requests, long Success, long ServerErrors, long Timeouts, long TransportErrors, long Slow, long Rejected, long Fallbacks, long Retries, long CallerFailures)
{
    /// <summary>No requests.</summary>
    public static EdgeCounts Zero { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Attempts that reached the upstream, slow ones included.</summary>
    public long Attempts => Saturating.Add(Saturating.Add(Success, Slow), AttemptFailures);

    /// <summary>Attempts that failed: 5xx, timeouts, transport errors.</summary>
    public long AttemptFailures => Saturating.Add(Saturating.Add(ServerErrors, Timeouts), TransportErrors);

    /// <summary>Failed attempts over attempts; 0 without attempts.</summary>
    public double FailureRatio => Attempts == 0 ? 0 : (double)AttemptFailures / Attempts;

    /// <summary>Requests whose caller got a failure (after retries and fallback) over requests; 0 without requests.</summary>
    public double CallerFailureRatio => Requests == 0 ? 0 : (double)CallerFailures / Requests;

    /// <summary>Element-wise sum, saturating at <see cref="long.MaxValue"/> rather than wrapping.</summary>
    public static EdgeCounts operator +(EdgeCounts a, EdgeCounts b) => new(
        Saturating.Add(a.Requests, b.Requests), Saturating.Add(a.Success, b.Success), Saturating.Add(a.ServerErrors, b.ServerErrors),
        Saturating.Add(a.Timeouts, b.Timeouts), Saturating.Add(a.TransportErrors, b.TransportErrors), Saturating.Add(a.Slow, b.Slow),
        Saturating.Add(a.Rejected, b.Rejected), Saturating.Add(a.Fallbacks, b.Fallbacks), Saturating.Add(a.Retries, b.Retries),
        Saturating.Add(a.CallerFailures, b.CallerFailures));
}
