namespace Mesh.Heal.ControlPlane.Store;

/// <summary>Request counts and latency of one cluster of one service, summed over every sidecar, for one time bucket
/// (starting at <c>Bucket</c>, <c>Resolution</c> long: 1 s, 1 min or 1 h).</summary>
internal sealed record TelemetryRollup(
    string Service,
    string Cluster,
    TimeSpan Resolution,
    DateTimeOffset Bucket,
    long Requests,
    long Success,
    long ServerErrors,
    long Timeouts,
    long TransportErrors,
    long Slow,
    long Rejected,
    long Fallbacks,
    long Retries,
    long CallerFailures,
    double LatencySumMs,
    long[] LatencyCounts,
    long Reports);
