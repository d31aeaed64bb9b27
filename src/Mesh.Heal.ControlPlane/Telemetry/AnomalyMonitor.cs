using Mesh.Heal.Agents;
using Mesh.Heal.Agents.Anomalies;
using Mesh.Heal.TimeSeries;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Telemetry;

/// <summary>Runs a streaming <see cref="AnomalyDetector"/> on every series the sidecars report: per instance and upstream,
/// request rate, caller-seen error ratio and p99 latency; per instance, memory, threads, handles and connections.</summary>
/// <remarks>
/// Each report is one point of each of its series. A series' detector learns quietly for its first
/// <see cref="AnomalyDetectorOptions.ProbationPoints"/> reports (its range, seasons and contexts), then scores each point;
/// after an alarm it stays quiet for a fifth of that, so one event turns a series anomalous once. The newest anomalous point of each series is kept for the agents'
/// snapshot (<see cref="Readings"/>), and <see cref="Anomalous"/> is raised when a series turns anomalous, so the
/// coordinator can look at once: a latency anomaly usually comes before errors do. A series with no report for
/// <see cref="Idle"/> is forgotten. Each metric has a floor under its scale, so a change too small to matter (one more
/// thread, a 2 ms wobble) is never an anomaly however flat the series was.
/// </remarks>
internal sealed class AnomalyMonitor
{
    /// <summary>How long a series may go without a point before it is dropped.</summary>
    public static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    private static readonly Dictionary<string, double> Floors = new(StringComparer.Ordinal)
    {
        ["requests"] = 1, ["errors"] = 0.02, ["latency.p99"] = 5, ["memory"] = 4 * 1024 * 1024, ["threads"] = 2, ["handles"] = 4, ["connections"] = 4,
    };

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Service, string Subject, string Metric), Series> _series = [];
    private long _points;

    public AnomalyMonitor(TelemetryAggregator telemetry) => telemetry.Reported += Add;

    /// <summary>Raised (outside the lock) with the service whose series just turned anomalous.</summary>
    public event Action<string>? Anomalous;

    /// <summary>The newest anomalous point of each series seen at or after <paramref name="from"/>.</summary>
    public IReadOnlyList<AnomalyReading> Readings(DateTimeOffset from)
    {
        lock (_lock)
        {
            return _series.Values.Select(s => s.Last).Where(r => r is not null && r.Time >= from).Select(r => r!).ToList();
        }
    }

    /// <summary>Scores one report's points.</summary>
    public void Add(string service, string instance, DateTimeOffset now, Wire.SidecarReport report)
    {
        var seconds = Math.Max(0.001, report.Interval?.ToTimeSpan().TotalSeconds ?? 1);
        var turned = false;
        lock (_lock)
        {
            foreach (var c in report.Clusters)
            {
                var subject = $"{instance}/{c.Cluster}";
                turned |= Point(service, subject, "requests", now, c.Requests / seconds);
                if (c.Requests > 0)
                {
                    turned |= Point(service, subject, "errors", now, (double)c.CallerFailures / c.Requests);
                    turned |= Point(service, subject, "latency.p99", now, LatencyHistogram.Quantile(c.LatencyCounts.ToArray(), 0.99));
                }
            }

            Resources(service, instance, now, report.ServiceResources, ref turned);
            Resources(service, instance + "/sidecar", now, report.SidecarResources, ref turned);
            if (++_points % 10_000 == 0)
            {
                foreach (var key in _series.Where(s => now - s.Value.Seen > Idle).Select(s => s.Key).ToList())
                {
                    _series.Remove(key);
                }
            }
        }

        if (turned)
        {
            Anomalous?.Invoke(service);
        }
    }

    private void Resources(string service, string subject, DateTimeOffset now, Wire.ResourceSample? sample, ref bool turned)
    {
        if (sample is null)
        {
            return;
        }

        turned |= Point(service, subject, "memory", now, sample.WorkingSetBytes);
        turned |= Point(service, subject, "threads", now, sample.Threads);
        turned |= Point(service, subject, "handles", now, sample.OpenHandles);
        turned |= Point(service, subject, "connections", now, sample.Connections);
    }

    // True when the series crossed into anomaly with this point.
    private bool Point(string service, string subject, string metric, DateTimeOffset now, double value)
    {
        var key = (service, subject, metric);
        if (!_series.TryGetValue(key, out var series))
        {
            var options = new AnomalyDetectorOptions { MinimumScale = Floors.GetValueOrDefault(metric) };
            _series[key] = series = new Series(new AnomalyDetector(options), options.Threshold);
        }

        series.Seen = now;
        var score = series.Detector.Update(now, value);
        var anomalous = score >= series.Threshold;
        var turned = anomalous && !series.Anomalous;
        series.Anomalous = anomalous;
        if (anomalous)
        {
            series.Last = new AnomalyReading(service, subject, metric, now, value, series.Detector.Expected, score);
        }

        return turned;
    }

    private sealed class Series(AnomalyDetector detector, double threshold)
    {
        public AnomalyDetector Detector { get; } = detector;

        public double Threshold { get; } = threshold;

        public DateTimeOffset Seen { get; set; }

        public bool Anomalous { get; set; }

        public AnomalyReading? Last { get; set; }
    }
}
