using Mesh.Heal.Agents;
using Mesh.Heal.TimeSeries;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Telemetry.Internal;

/// <summary>One sidecar's reports of the last minutes, per cluster, so windows can be summed per instance (the rollups sum instances away).</summary>
internal sealed class RecentReports
{
    private readonly Lock _lock = new();
    private readonly Queue<(DateTimeOffset At, string Cluster, EdgeCounts Counts, long[] Latency)> _reports = new();

    public void Add(DateTimeOffset at, Wire.SidecarReport report, TimeSpan retention)
    {
        lock (_lock)
        {
            foreach (var c in report.Clusters)
            {
                var latency = new long[LatencyHistogram.BucketCount];
                for (var i = 0; i < Math.Min(latency.Length, c.LatencyCounts.Count); i++)
                {
                    latency[i] = c.LatencyCounts[i];
                }

                _reports.Enqueue((at, c.Cluster, new EdgeCounts(
                    c.Requests, c.Success, c.ServerErrors, c.Timeouts, c.TransportErrors, c.Slow, c.Rejected, c.Fallbacks, c.Retries, c.CallerFailures), latency));
            }

            while (_reports.Count > 0 && _reports.Peek().At < at - retention)
            {
                _reports.Dequeue();
            }
        }
    }

    /// <summary>The sums per cluster of the reports received in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public Dictionary<string, (EdgeCounts Counts, long[] Latency)> Sum(DateTimeOffset from, DateTimeOffset to)
    {
        var sums = new Dictionary<string, (EdgeCounts Counts, long[] Latency)>(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var (at, cluster, counts, latency) in _reports)
            {
                if (at < from || at >= to)
                {
                    continue;
                }

                if (!sums.TryGetValue(cluster, out var sum))
                {
                    sum = (EdgeCounts.Zero, new long[LatencyHistogram.BucketCount]);
                }

                for (var i = 0; i < latency.Length; i++)
                {
                    sum.Latency[i] = Saturating.Add(sum.Latency[i], latency[i]);
                }

                sums[cluster] = (sum.Counts + counts, sum.Latency);
            }
        }

        return sums;
    }
}
