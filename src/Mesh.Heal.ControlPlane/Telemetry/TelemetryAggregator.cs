using System.Collections.Concurrent;
using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry.Internal;
using Mesh.Heal.Protocol.Mapping;
using Mesh.Heal.TimeSeries;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Telemetry;

/// <summary>Sums accepted reports into 1 s, 1 min and 1 h buckets in memory until they are flushed to the store, and
/// keeps each sidecar's newest cluster states.</summary>
/// <remarks>
/// Buckets follow the control plane's clock at receipt, not the sidecar's, so a sidecar with a skewed clock cannot
/// put counts in the past or the future. Every report is added to its bucket at each resolution, so the coarse rollups
/// are exact sums, not re-aggregations. Per-instance state (newest states and recent reports) is bounded: at most
/// <c>ControlPlane:Limits:MaxInstances</c> instances, and an instance that has not reported for
/// <c>ControlPlane:Limits:InstanceTtl</c> is forgotten (counted in <c>meshheal_telemetry_instances_evicted_total</c>); a report of
/// a new instance beyond the limit is refused.
/// </remarks>
internal sealed class TelemetryAggregator
{
    /// <summary>The resolutions kept, and for how long.</summary>
    public static readonly IReadOnlyList<(TimeSpan Resolution, TimeSpan Retention)> Resolutions =
    [
        (TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
        (TimeSpan.FromMinutes(1), TimeSpan.FromDays(7)),
        (TimeSpan.FromHours(1), TimeSpan.FromDays(400)),
    ];

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private Dictionary<(string Service, string Cluster, long Resolution, long Bucket), Sums> _pending = [];
    private Dictionary<(string Service, string Instance, string Target, long Resolution, long Bucket), ResourceRollup> _resources = [];
    private readonly ConcurrentDictionary<(string Service, string Instance), SidecarLiveState> _live = new();
    private readonly ConcurrentDictionary<(string Service, string Instance), RecentReports> _recent = new();

    /// <summary>How long each sidecar's own reports are kept for <see cref="Window"/>.</summary>
    public static readonly TimeSpan RecentRetention = TimeSpan.FromMinutes(5);

    /// <summary>Raised after a report in which some cluster's health or breaker state differs from the sidecar's previous report.</summary>
    public event Action<string, string>? StateChanged;

    /// <summary>Raised after every report this replica accepted from its own sidecars (not the forwarded ones), with its time of receipt.</summary>
    public event Action<string, string, DateTimeOffset, Wire.SidecarReport>? Accepted;

    /// <summary>Raised after every accepted report, with the control plane's time of receipt.</summary>
    public event Action<string, string, DateTimeOffset, Wire.SidecarReport>? Reported;

    private readonly int _maxInstances;
    private readonly TimeSpan _instanceTtl;
    private readonly ControlPlaneMetrics? _metrics;
    private DateTimeOffset _sweptAt;

    /// <summary>An aggregator that keeps at most <paramref name="maxInstances"/> instances, each for <paramref name="instanceTtl"/> (default 10 min) after its last report.</summary>
    public TelemetryAggregator(TimeProvider time, int maxInstances = 10_000, TimeSpan? instanceTtl = null, ControlPlaneMetrics? metrics = null)
    {
        _time = time;
        _maxInstances = maxInstances;
        _instanceTtl = instanceTtl ?? TimeSpan.FromMinutes(10);
        _metrics = metrics;
        _sweptAt = time.GetUtcNow();
    }

    /// <summary>How many instances have state kept.</summary>
    public int InstanceCount => _live.Count;

    /// <summary>Adds one validated report of <paramref name="service"/>/<paramref name="instance"/>; false, and nothing kept, when it is a new
    /// instance and <c>MaxInstances</c> are kept already.</summary>
    public bool Add(string service, string instance, Wire.SidecarReport report)
    {
        var now = _time.GetUtcNow();
        if (!Add(service, instance, report, now, rollups: true))
        {
            return false;
        }

        Accepted?.Invoke(service, instance, now, report);
        return true;
    }

    /// <summary>Adds a report another replica accepted at <paramref name="receivedAt"/> (read from the store's inbox by the leader): it
    /// updates the sidecar's live state and recent window and raises <see cref="StateChanged"/> and <see cref="Reported"/>, but adds
    /// nothing to the rollups, which the receiving replica flushes itself.</summary>
    public bool AddForwarded(string service, string instance, DateTimeOffset receivedAt, Wire.SidecarReport report) =>
        Add(service, instance, report, receivedAt, rollups: false);

    private bool Add(string service, string instance, Wire.SidecarReport report, DateTimeOffset now, bool rollups)
    {
        var states = new Dictionary<string, (Health.HealthState?, Health.BreakerState?)>(StringComparer.Ordinal);
        SidecarLiveState? previous;
        var clock = _time.GetUtcNow();
        lock (_lock)
        {
            if (clock - _sweptAt >= _instanceTtl / 10)
            {
                Sweep_NeedsLock(clock);
            }

            previous = _live.GetValueOrDefault((service, instance));
            if (previous is null)
            {
                if (_live.Count >= _maxInstances)
                {
                    Sweep_NeedsLock(clock);
                }

                if (_live.Count >= _maxInstances)
                {
                    return false;
                }

                // Reserved at once, so that concurrent reports of new instances cannot pass the limit together.
                _live[(service, instance)] = new SidecarLiveState(service, instance, now, report.PolicyVersion, states);
            }

            foreach (var (resolution, _) in rollups ? Resolutions : [])
            {
                var seconds = (long)resolution.TotalSeconds;
                var bucket = now.ToUnixTimeSeconds() / seconds * seconds;
                foreach (var c in report.Clusters)
                {
                    var key = (service, c.Cluster, seconds, bucket);
                    if (!_pending.TryGetValue(key, out var sums))
                    {
                        _pending[key] = sums = new Sums();
                    }

                    sums.Add(c);
                }

                AddResources(service, instance, "sidecar", seconds, bucket, report.SidecarResources);
                AddResources(service, instance, "service", seconds, bucket, report.ServiceResources);
            }
        }

        foreach (var c in report.Clusters)
        {
            states[c.Cluster] = (PolicyMapping.FromWire(c.Health), PolicyMapping.FromWire(c.Breaker));
        }

        _recent.GetOrAdd((service, instance), _ => new RecentReports()).Add(now, report, RecentRetention);
        Reported?.Invoke(service, instance, now, report);
        if (!rollups && previous is not null && previous.ReportedAt > now)
        {
            // A forwarded report older than what is known (the sidecar moved between replicas): it counts in the window, but the newer states stay.
            return true;
        }

        _live[(service, instance)] = new SidecarLiveState(service, instance, now, report.PolicyVersion, states);
        if (previous is not null && states.Any(s => !previous.Clusters.TryGetValue(s.Key, out var before) || before != s.Value))
        {
            StateChanged?.Invoke(service, instance);
        }

        return true;
    }

    /// <summary>Forgets every instance that has not reported for <c>InstanceTtl</c>.</summary>
    public void Sweep()
    {
        lock (_lock)
        {
            Sweep_NeedsLock(_time.GetUtcNow());
        }
    }

    /// <summary>What each sidecar instance reported of each cluster in [<paramref name="from"/>, <paramref name="to"/>), with its newest states.</summary>
    public IReadOnlyList<(SidecarLiveState Live, string Cluster, EdgeCounts Counts, long[] Latency)> Window(DateTimeOffset from, DateTimeOffset to)
    {
        Sweep();
        var rows = new List<(SidecarLiveState, string, EdgeCounts, long[])>();
        foreach (var ((service, instance), recent) in _recent)
        {
            if (!_live.TryGetValue((service, instance), out var live) || live.ReportedAt < from)
            {
                continue;
            }

            foreach (var (cluster, (counts, latency)) in recent.Sum(from, to))
            {
                rows.Add((live, cluster, counts, latency));
            }
        }

        return rows;
    }

    /// <summary>The newest report's states of one sidecar, or null when it has not reported.</summary>
    public SidecarLiveState? Live(string service, string instance) => _live.GetValueOrDefault((service, instance));

    /// <summary>Takes every pending bucket, leaving none.</summary>
    public (IReadOnlyCollection<TelemetryRollup> Rollups, IReadOnlyCollection<ResourceRollup> Resources) Drain()
    {
        Dictionary<(string, string, long, long), Sums> pending;
        Dictionary<(string, string, string, long, long), ResourceRollup> resources;
        lock (_lock)
        {
            (pending, _pending) = (_pending, []);
            (resources, _resources) = (_resources, []);
        }

        var rows = pending.Select(kv => kv.Value.ToRollup(kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Key.Item4)).ToList();
        return (rows, resources.Values);
    }

    private void Sweep_NeedsLock(DateTimeOffset now)
    {
        _sweptAt = now;
        var evicted = 0;
        foreach (var (key, live) in _live)
        {
            if (now - live.ReportedAt >= _instanceTtl)
            {
                _live.TryRemove(key, out _);
                _recent.TryRemove(key, out _);
                evicted++;
            }
        }

        foreach (var key in _recent.Keys)
        {
            if (!_live.ContainsKey(key))
            {
                _recent.TryRemove(key, out _);
            }
        }

        if (evicted > 0)
        {
            _metrics?.InstancesEvicted(evicted);
        }
    }

    private void AddResources(string service, string instance, string target, long resolution, long bucket, Wire.ResourceSample? sample)
    {
        if (sample is null)
        {
            return;
        }

        var key = (service, instance, target, resolution, bucket);
        var row = new ResourceRollup(
            service, instance, target, TimeSpan.FromSeconds(resolution), DateTimeOffset.FromUnixTimeSeconds(bucket), 1, sample.WorkingSetBytes,
            sample.GcHeapBytes, sample.Threads, sample.OpenHandles, sample.Connections, sample.MemoryLimitBytes, sample.MaxHandles);
        if (_resources.TryGetValue(key, out var existing))
        {
            row = existing with
            {
                Samples = existing.Samples + 1,
                WorkingSetMax = Math.Max(existing.WorkingSetMax, row.WorkingSetMax),
                GcHeapMax = Math.Max(existing.GcHeapMax, row.GcHeapMax),
                ThreadsMax = Math.Max(existing.ThreadsMax, row.ThreadsMax),
                HandlesMax = Math.Max(existing.HandlesMax, row.HandlesMax),
                ConnectionsMax = Math.Max(existing.ConnectionsMax, row.ConnectionsMax),
                MemoryLimit = Math.Max(existing.MemoryLimit, row.MemoryLimit),
                MaxHandles = Math.Max(existing.MaxHandles, row.MaxHandles),
            };
        }

        _resources[key] = row;
    }

    private sealed class Sums
    {
        private readonly long[] _counts = new long[10];
        private readonly long[] _latency = new long[LatencyHistogram.BucketCount];
        private double _latencySum;
        private long _reports;

        public void Add(Wire.ClusterReport c)
        {
            // Saturating: the validator bounds each report, but a sum must not wrap negative even if a bad value slipped through.
            _counts[0] = Saturating.Add(_counts[0], c.Requests);
            _counts[1] = Saturating.Add(_counts[1], c.Success);
            _counts[2] = Saturating.Add(_counts[2], c.ServerErrors);
            _counts[3] = Saturating.Add(_counts[3], c.Timeouts);
            _counts[4] = Saturating.Add(_counts[4], c.TransportErrors);
            _counts[5] = Saturating.Add(_counts[5], c.Slow);
            _counts[6] = Saturating.Add(_counts[6], c.Rejected);
            _counts[7] = Saturating.Add(_counts[7], c.Fallbacks);
            _counts[8] = Saturating.Add(_counts[8], c.Retries);
            _counts[9] = Saturating.Add(_counts[9], c.CallerFailures);
            for (var i = 0; i < Math.Min(_latency.Length, c.LatencyCounts.Count); i++)
            {
                _latency[i] = Saturating.Add(_latency[i], c.LatencyCounts[i]);
            }

            _latencySum = Saturating.Add(_latencySum, c.LatencySumMs);
            _reports++;
        }

        public TelemetryRollup ToRollup(string service, string cluster, long resolution, long bucket) =>
            new(service, cluster, TimeSpan.FromSeconds(resolution), DateTimeOffset.FromUnixTimeSeconds(bucket), _counts[0], _counts[1], _counts[2],
                _counts[3], _counts[4], _counts[5], _counts[6], _counts[7], _counts[8], _counts[9], _latencySum, _latency, _reports);
    }
}
