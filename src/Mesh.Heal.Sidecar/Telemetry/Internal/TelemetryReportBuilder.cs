using Mesh.Heal.Protocol.Mapping;
using Mesh.Heal.Sidecar.Resilience;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Mesh.Heal.TimeSeries;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Sidecar.Telemetry.Internal;

/// <summary>Turns the clusters' cumulative counters into per-interval reports: each report holds what happened since the previous one.</summary>
/// <remarks>Not thread-safe: the reporter's loop is its only user.</remarks>
internal sealed class TelemetryReportBuilder(ClusterResilienceRegistry registry)
{
    private const int Fields = 5 + ClusterResilience.AttemptResultCount;

    private readonly Dictionary<string, long[]> _previous = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (long[] Counts, double Sum)> _previousLatency = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A report of every cluster's counts since the previous call.</summary>
    public Wire.SidecarReport Build(DateTimeOffset now, TimeSpan interval)
    {
        var report = new Wire.SidecarReport
        {
            Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now),
            Interval = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(interval),
            PolicyVersion = registry.Policy.Version,
        };
        report.LatencyBoundsMs.Add(LatencyHistogram.BoundsMs);
        Span<long> results = stackalloc long[ClusterResilience.AttemptResultCount];
        foreach (var cluster in registry.Clusters.OrderBy(c => c.ClusterId, StringComparer.Ordinal))
        {
            cluster.CopyAttemptResults(results);
            var current = new long[Fields];
            current[0] = cluster.Requests;
            current[1] = cluster.Fallbacks;
            current[2] = cluster.Retries;
            current[3] = cluster.CallerFailures;
            current[4] = cluster.Rejected;
            results.CopyTo(current.AsSpan(5));
            var previous = _previous.GetValueOrDefault(cluster.ClusterId) ?? new long[Fields];
            _previous[cluster.ClusterId] = current;

            var latency = new long[LatencyHistogram.BucketCount];
            var sum = cluster.Latency.CopyTo(latency);
            var (previousLatency, previousSum) = _previousLatency.GetValueOrDefault(cluster.ClusterId, (new long[LatencyHistogram.BucketCount], 0));
            _previousLatency[cluster.ClusterId] = (latency, sum);

            long Delta(int i) => current[i] - previous[i];
            long Result(AttemptResult r) => Delta(5 + (int)r);
            var wire = new Wire.ClusterReport
            {
                Cluster = cluster.ClusterId,
                Requests = Delta(0),
                Fallbacks = Delta(1),
                Retries = Delta(2),
                CallerFailures = Delta(3),
                Rejected = Delta(4),
                Success = Result(AttemptResult.Success),
                ServerErrors = Result(AttemptResult.ServerError),
                Timeouts = Result(AttemptResult.Timeout),
                TransportErrors = Result(AttemptResult.TransportError),
                Slow = Result(AttemptResult.Slow),
                LatencySumMs = Math.Max(0, sum - previousSum),
                Breaker = PolicyMapping.ToWire(cluster.BreakerState),
                Health = PolicyMapping.ToWire(cluster.Health),
            };
            for (var i = 0; i < latency.Length; i++)
            {
                wire.LatencyCounts.Add(latency[i] - previousLatency[i]);
            }

            report.Clusters.Add(wire);
        }

        return report;
    }
}
