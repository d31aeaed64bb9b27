using Mesh.Heal.Policy;
using Mesh.Heal.TimeSeries;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Telemetry;

/// <summary>Checks a sidecar report before anything of it is counted.</summary>
/// <remarks>
/// A report is taken whole or not at all: one bad cluster drops the report, so sums never mix a report's good half with
/// its bad half. The checks:
/// <list type="bullet">
/// <item>every count 0 to <see cref="TelemetryLimits.MaxCount"/>, and the histogram's total too;</item>
/// <item>success, fallbacks, caller failures and breaker rejections at most the interval's requests, and attempts at most
/// requests plus retries. A request that started in the previous interval may finish in this one, so "requests" here
/// is the larger of the requests started and the requests finished (the histogram's total);</item>
/// <item>the latency sum finite, not negative, and at most a day per request;</item>
/// <item>resource samples not negative and at most a pebibyte;</item>
/// <item>the report's time, when given, within <see cref="TelemetryLimits.MaxClockSkew"/> of now, and its interval 0 to 1 h;</item>
/// <item>names: cluster ids of 1 to 253 printable ASCII characters, once each.</item>
/// </list>
/// </remarks>
internal static class TelemetryValidator
{
    /// <summary>The longest cluster id and instance id: a Kubernetes object name (a DNS subdomain) fits.</summary>
    public const int MaxNameLength = 253;

    /// <summary>The names accepted for instances and clusters.</summary>
    public const string NameRule = "1 to 253 printable ASCII characters ('!' to '~', no spaces)";

    /// <summary>The most latency one request may add to a latency sum: a day, in milliseconds.</summary>
    public const double MaxLatencyPerRequestMs = 86_400_000;

    /// <summary>The largest byte count a resource sample may carry: 1 PiB.</summary>
    public const long MaxResourceBytes = 1L << 50;

    private const long MaxIntervalSeconds = 3600;

    // Timestamp's valid range (0001-01-01 to 9999-12-31), as in google/protobuf/timestamp.proto.
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;

    /// <summary>The reasons <paramref name="report"/> is malformed; empty when it can be ingested.</summary>
    public static TelemetryValidation Validate(Wire.SidecarReport report, TelemetryLimits limits, DateTimeOffset now)
    {
        var result = new TelemetryValidation();
        if (report.Clusters.Count > limits.MaxClusters)
        {
            result.Add(TelemetryRejection.Clusters, "clusters", $"{report.Clusters.Count} clusters; accepted: at most {limits.MaxClusters}");
            return result;
        }

        var withLatency = false;
        foreach (var c in report.Clusters)
        {
            withLatency |= c.LatencyCounts.Count > 0;
        }

        if (withLatency && !report.LatencyBoundsMs.SequenceEqual(LatencyHistogram.BoundsMs))
        {
            var bounds = report.LatencyBoundsMs.Count > LatencyHistogram.BucketCount
                ? $"{report.LatencyBoundsMs.Count} bounds"
                : $"[{string.Join(", ", report.LatencyBoundsMs)}]";
            result.Add(TelemetryRejection.Histogram, "latencyBoundsMs", $"{bounds}; accepted: [{string.Join(", ", LatencyHistogram.BoundsMs)}]");
        }

        if (report.PolicyVersion < 0)
        {
            result.Add(TelemetryRejection.Count, "policyVersion", $"{report.PolicyVersion}; accepted: 0 or more");
        }

        ValidateTime(report, limits, now, result);
        ValidateResources(report.SidecarResources, "sidecarResources", result);
        ValidateResources(report.ServiceResources, "serviceResources", result);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < report.Clusters.Count; i++)
        {
            var c = report.Clusters[i];
            var path = $"clusters[{i}]";
            if (!IsName(c.Cluster))
            {
                result.Add(TelemetryRejection.Name, path + ".cluster", $"'{Shorten(c.Cluster)}'; accepted: a cluster id of {NameRule}");
            }
            else if (!seen.Add(c.Cluster))
            {
                result.Add(TelemetryRejection.Name, path + ".cluster", $"'{c.Cluster}' appears twice; accepted: each cluster once per report");
            }

            ValidateCluster(c, path, limits.MaxCount, result);
        }

        return result;
    }

    /// <summary>What is wrong with a sidecar's identity, naming the field; null when it is accepted.</summary>
    public static string? IdentityError(Wire.SidecarIdentity? identity)
    {
        if (identity is null)
        {
            return "identity: missing on the first message; accepted: service and instance";
        }

        if (!Policies.PolicyDocument.IsServiceName(identity.Service))
        {
            return $"identity.service: '{Shorten(identity.Service)}' is not a service name; accepted: {Policies.PolicyDocument.ServiceNameRule}";
        }

        if (!IsName(identity.Instance))
        {
            return $"identity.instance: '{Shorten(identity.Instance)}' is not accepted; accepted: {NameRule}, unique per sidecar";
        }

        if (identity.Zone.Length > 0 && !IsName(identity.Zone))
        {
            return $"identity.zone: '{Shorten(identity.Zone)}' is not accepted; accepted: empty, or {NameRule}";
        }

        return identity.SidecarVersion.Length > 0 && !IsName(identity.SidecarVersion)
            ? $"identity.sidecarVersion: '{Shorten(identity.SidecarVersion)}' is not accepted; accepted: empty, or {NameRule}"
            : null;
    }

    /// <summary>Whether <paramref name="name"/> is an instance or cluster id: <see cref="NameRule"/>.</summary>
    public static bool IsName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            return false;
        }

        foreach (var ch in name)
        {
            if (ch is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><paramref name="text"/> cut to a length fit for an error message, with control characters shown as '?'.</summary>
    public static string Shorten(string text)
    {
        const int Max = 64;
        var cut = text.Length > Max ? text[..Max] + "…" : text;
        return string.Create(cut.Length, cut, (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
    }

    private static void ValidateCluster(Wire.ClusterReport c, string path, long maxCount, TelemetryValidation result)
    {
        Span<(string Field, long Value)> counts =
        [
            ("requests", c.Requests), ("success", c.Success), ("serverErrors", c.ServerErrors), ("timeouts", c.Timeouts),
            ("transportErrors", c.TransportErrors), ("slow", c.Slow), ("rejected", c.Rejected), ("fallbacks", c.Fallbacks),
            ("retries", c.Retries), ("callerFailures", c.CallerFailures),
        ];
        var inRange = true;
        foreach (var (field, value) in counts)
        {
            if (value < 0 || value > maxCount)
            {
                result.Add(TelemetryRejection.Count, $"{path}.{field}", $"{value}; accepted: 0 to {maxCount} (ControlPlane:Limits:MaxCountPerReport)");
                inRange = false;
            }
        }

        long finished = 0;
        if (c.LatencyCounts.Count is not 0 && c.LatencyCounts.Count != LatencyHistogram.BucketCount)
        {
            result.Add(TelemetryRejection.Histogram, path + ".latencyCounts", $"{c.LatencyCounts.Count} buckets; accepted: {LatencyHistogram.BucketCount} (one per bound and the overflow)");
            inRange = false;
        }
        else
        {
            for (var i = 0; i < c.LatencyCounts.Count; i++)
            {
                var n = c.LatencyCounts[i];
                if (n < 0 || n > maxCount)
                {
                    result.Add(TelemetryRejection.Histogram, $"{path}.latencyCounts[{i}]", $"{n}; accepted: 0 to {maxCount} (ControlPlane:Limits:MaxCountPerReport)");
                    inRange = false;
                    break;
                }

                finished += n;
            }

            if (inRange && finished > maxCount)
            {
                result.Add(TelemetryRejection.Histogram, path + ".latencyCounts", $"{finished} in all; accepted: 0 to {maxCount} (ControlPlane:Limits:MaxCountPerReport)");
                inRange = false;
            }
        }

        if (!double.IsFinite(c.LatencySumMs) || c.LatencySumMs < 0)
        {
            result.Add(TelemetryRejection.Latency, path + ".latencySumMs", $"{c.LatencySumMs}; accepted: a finite number of 0 or more");
        }

        if (!inRange)
        {
            // The relations below would only repeat what is already wrong, and every term is bounded from here on.
            return;
        }

        var requests = Math.Max(c.Requests, finished);
        if (c.LatencySumMs > Math.Max(1, requests) * MaxLatencyPerRequestMs)
        {
            result.Add(TelemetryRejection.Latency, path + ".latencySumMs", $"{c.LatencySumMs}; accepted: at most {MaxLatencyPerRequestMs} ms (a day) per request");
        }

        foreach (var (field, value) in (ReadOnlySpan<(string, long)>)[("success", c.Success), ("fallbacks", c.Fallbacks), ("callerFailures", c.CallerFailures), ("rejected", c.Rejected)])
        {
            if (value > requests)
            {
                result.Add(TelemetryRejection.Inconsistent, $"{path}.{field}", $"{value} is more than the {requests} requests; accepted: at most the requests of the interval");
            }
        }

        var attempts = c.Success + c.Slow + c.ServerErrors + c.Timeouts + c.TransportErrors;
        if (attempts > requests + c.Retries)
        {
            result.Add(TelemetryRejection.Inconsistent, path, $"{attempts} attempts (success, slow, serverErrors, timeouts, transportErrors) for {requests} requests and {c.Retries} retries; accepted: at most requests plus retries");
        }
    }

    private static void ValidateResources(Wire.ResourceSample? sample, string path, TelemetryValidation result)
    {
        if (sample is null)
        {
            return;
        }

        Span<(string Field, long Value, long Max)> values =
        [
            ("workingSetBytes", sample.WorkingSetBytes, MaxResourceBytes), ("gcHeapBytes", sample.GcHeapBytes, MaxResourceBytes),
            ("memoryLimitBytes", sample.MemoryLimitBytes, MaxResourceBytes), ("threads", sample.Threads, int.MaxValue),
            ("openHandles", sample.OpenHandles, int.MaxValue), ("connections", sample.Connections, int.MaxValue), ("maxHandles", sample.MaxHandles, int.MaxValue),
        ];
        foreach (var (field, value, max) in values)
        {
            if (value < 0 || value > max)
            {
                result.Add(TelemetryRejection.Resources, $"{path}.{field}", $"{value}; accepted: 0 to {max}");
            }
        }
    }

    private static void ValidateTime(Wire.SidecarReport report, TelemetryLimits limits, DateTimeOffset now, TelemetryValidation result)
    {
        if (report.Time is { } time)
        {
            if (time.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || time.Nanos is < 0 or > 999_999_999)
            {
                result.Add(TelemetryRejection.Time, "time", $"{time.Seconds} s {time.Nanos} ns is not a timestamp; accepted: 0001-01-01 to 9999-12-31");
            }
            else
            {
                var at = DateTimeOffset.FromUnixTimeSeconds(time.Seconds).AddTicks(time.Nanos / 100);
                if ((at - now).Duration() > limits.MaxClockSkew)
                {
                    result.Add(TelemetryRejection.Time, "time", $"{at:O} is {(at - now).Duration():c} from the control plane's clock ({now:O}); accepted: within {limits.MaxClockSkew:c} (ControlPlane:Limits:MaxReportClockSkew)");
                }
            }
        }

        if (report.Interval is { } interval
            && (interval.Seconds is < 0 or > MaxIntervalSeconds || interval.Nanos is < 0 or > 999_999_999 || (interval.Seconds == MaxIntervalSeconds && interval.Nanos > 0)))
        {
            result.Add(TelemetryRejection.Time, "interval", $"{interval.Seconds} s {interval.Nanos} ns; accepted: 0 to 1 hour");
        }
    }
}

/// <summary>Limits a telemetry report is checked against.</summary>
/// <param name="MaxClusters">Clusters in one report (<c>ControlPlane:Limits:MaxClustersPerReport</c>).</param>
/// <param name="MaxCount">The largest count of one cluster in one report (<c>ControlPlane:Limits:MaxCountPerReport</c>).</param>
/// <param name="MaxClockSkew">How far the report's time may be from now (<c>ControlPlane:Limits:MaxReportClockSkew</c>).</param>
internal sealed record TelemetryLimits(int MaxClusters, long MaxCount, TimeSpan MaxClockSkew)
{
    /// <summary>The limits of <paramref name="options"/>.</summary>
    public static TelemetryLimits From(Hosting.LimitOptions options) =>
        new(options.MaxClustersPerReport, options.MaxCountPerReport, options.MaxReportClockSkew);
}

/// <summary>Why a report was refused: the <c>reason</c> label of <c>meshheal_controlplane_rejected_total{kind="telemetry_malformed"}</c>.</summary>
internal static class TelemetryRejection
{
    public const string Clusters = "clusters";
    public const string Histogram = "histogram";
    public const string Count = "count";
    public const string Inconsistent = "inconsistent";
    public const string Latency = "latency";
    public const string Resources = "resources";
    public const string Time = "time";
    public const string Name = "name";
}

/// <summary>The outcome of <see cref="TelemetryValidator.Validate"/>: each error names its field.</summary>
internal sealed class TelemetryValidation
{
    private readonly List<PolicyError> _errors = [];

    /// <summary>What is wrong, field by field; empty when the report is accepted.</summary>
    public IReadOnlyList<PolicyError> Errors => _errors;

    /// <summary>The reason of the first error (a <see cref="TelemetryRejection"/> value), or null when accepted.</summary>
    public string? Reason { get; private set; }

    /// <summary>Whether the report is accepted.</summary>
    public bool IsValid => _errors.Count == 0;

    public void Add(string reason, string field, string message)
    {
        Reason ??= reason;
        _errors.Add(new PolicyError(field, message));
    }
}
