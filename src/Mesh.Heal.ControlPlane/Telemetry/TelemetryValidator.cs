using Mesh.Heal.Policy;
using Mesh.Heal.TimeSeries;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Telemetry;

/// <summary>Checks a sidecar report before anything of it is counted.</summary>
internal static class TelemetryValidator
{
    private const int MaxClusterNameLength = 256;

    /// <summary>The reasons <paramref name="report"/> is malformed; empty when it can be ingested.</summary>
    public static IReadOnlyList<PolicyError> Validate(Wire.SidecarReport report, int maxClusters)
    {
        var errors = new List<PolicyError>();
        if (report.Clusters.Count > maxClusters)
        {
            errors.Add(new("clusters", $"{report.Clusters.Count} clusters; accepted: at most {maxClusters}"));
            return errors;
        }

        var withLatency = report.Clusters.Any(c => c.LatencyCounts.Count > 0);
        if (withLatency && !report.LatencyBoundsMs.SequenceEqual(LatencyHistogram.BoundsMs))
        {
            errors.Add(new("latencyBoundsMs", $"[{string.Join(", ", report.LatencyBoundsMs)}]; accepted: [{string.Join(", ", LatencyHistogram.BoundsMs)}]"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < report.Clusters.Count; i++)
        {
            var c = report.Clusters[i];
            var path = $"clusters[{i}]";
            if (string.IsNullOrWhiteSpace(c.Cluster) || c.Cluster.Length > MaxClusterNameLength)
            {
                errors.Add(new(path + ".cluster", $"'{c.Cluster}'; accepted: a cluster id of 1 to {MaxClusterNameLength} characters"));
            }
            else if (!seen.Add(c.Cluster))
            {
                errors.Add(new(path + ".cluster", $"'{c.Cluster}' appears twice; accepted: each cluster once per report"));
            }

            if (c.Requests < 0 || c.Success < 0 || c.ServerErrors < 0 || c.Timeouts < 0 || c.TransportErrors < 0 || c.Slow < 0
                || c.Rejected < 0 || c.Fallbacks < 0 || c.Retries < 0 || c.CallerFailures < 0 || c.LatencyCounts.Any(n => n < 0))
            {
                errors.Add(new(path, "a count is negative; accepted: counts of 0 or more"));
            }

            if (c.LatencyCounts.Count is not 0 && c.LatencyCounts.Count != LatencyHistogram.BucketCount)
            {
                errors.Add(new(path + ".latencyCounts", $"{c.LatencyCounts.Count} buckets; accepted: {LatencyHistogram.BucketCount} (one per bound and the overflow)"));
            }

            if (!double.IsFinite(c.LatencySumMs) || c.LatencySumMs < 0)
            {
                errors.Add(new(path + ".latencySumMs", $"{c.LatencySumMs}; accepted: a finite number of 0 or more"));
            }
        }

        return errors;
    }
}
