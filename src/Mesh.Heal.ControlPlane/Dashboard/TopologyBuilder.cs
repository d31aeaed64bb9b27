using Google.Protobuf.WellKnownTypes;
using Mesh.Heal.ControlPlane.Dashboard.Internal;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.Health;
using Mesh.Heal.Protocol.Mapping;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Options;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Dashboard;

/// <summary>Builds the service graph the dashboard draws: every caller → cluster edge with its golden metrics and per-step
/// series over a window, and every service with its health, breaker and inbound metrics.</summary>
/// <remarks>
/// <para>Counts come from the stored telemetry rollups (summed over every sidecar of the caller, so every replica of the control
/// plane answers the same): 1 s buckets for a window up to an hour, 1 min buckets beyond. The window is cut into about
/// <see cref="DashboardConstants.SeriesSteps"/> steps of whole buckets, aligned on the step, the last one holding now, so a
/// step's counts do not shift between two calls. Quantiles come from the summed latency histograms
/// (<see cref="LatencyHistogram.Quantile"/>); requests per second are the requests over the time from the first step's start to now.</para>
/// <para>Health and breaker state are the live ones: what the caller's sidecars reported within <c>ControlPlane:Healing:LiveWindow</c>,
/// the gravest of them (health failed &gt; recovering &gt; degraded &gt; healthy; breaker open &gt; isolated &gt; half-open &gt; closed).
/// A node's health is as <c>ServiceStatus.health</c>: the state most callers report of it.</para>
/// </remarks>
internal sealed class TopologyBuilder(MeshStore store, TelemetryAggregator telemetry, IOptions<HealingOptions> options, TimeProvider time)
{
    /// <summary>The graph over the <paramref name="window"/> before now; <paramref name="services"/> are added as nodes even with no traffic.</summary>
    public Wire.Topology Build(TimeSpan window, IEnumerable<string> services)
    {
        var now = time.GetUtcNow();
        var resolution = window <= TimeSpan.FromHours(1) ? 1L : 60L;
        var step = Math.Max(resolution, (long)Math.Ceiling(window.TotalSeconds / DashboardConstants.SeriesSteps / resolution) * resolution);
        var steps = (int)Math.Max(1, Math.Ceiling(window.TotalSeconds / step));
        var end = ((now.ToUnixTimeSeconds() / step) + 1) * step;
        var start = end - (steps * step);
        var from = DateTimeOffset.FromUnixTimeSeconds(start);
        var seconds = Math.Max(1, (now - from).TotalSeconds);

        var edges = new SortedDictionary<(string Caller, string Callee), EdgeSums>(Comparer<(string, string)>.Create(
            (a, b) => string.CompareOrdinal(a.Item1, b.Item1) is var c and not 0 ? c : string.CompareOrdinal(a.Item2, b.Item2)));
        foreach (var row in store.AllRollups(TimeSpan.FromSeconds(resolution), from, DateTimeOffset.FromUnixTimeSeconds(end)))
        {
            var sums = Sums(edges, (row.Service, row.Cluster), steps);
            sums.Add((int)((row.Bucket.ToUnixTimeSeconds() - start) / step), row);
        }

        var live = telemetry.Window(now - options.Value.LiveWindow, now.AddTicks(1));
        foreach (var (state, cluster, _, _) in live)
        {
            var sums = Sums(edges, (state.Service, cluster), steps);
            if (state.Clusters.TryGetValue(cluster, out var s))
            {
                sums.Health = Graver(sums.Health, s.Health);
                sums.Breaker = Graver(sums.Breaker, s.Breaker);
            }
        }

        var topology = new Wire.Topology { Time = Timestamp.FromDateTimeOffset(now), From = Timestamp.FromDateTimeOffset(from), StepSeconds = (int)step };
        foreach (var ((caller, callee), sums) in edges)
        {
            topology.Edges.Add(new Wire.TopologyEdge
            {
                Caller = caller, Callee = callee, Health = ToWire(sums.Health), Breaker = ToWire(sums.Breaker), Metrics = sums.ToWire(seconds),
            });
        }

        var sidecars = store.Sidecars();
        var states = sidecars.Select(s => telemetry.Live(s.Service, s.Instance)).OfType<SidecarLiveState>().ToList();
        var names = new SortedSet<string>(services, StringComparer.Ordinal);
        names.UnionWith(store.Services());
        names.UnionWith(sidecars.Select(s => s.Service));
        names.UnionWith(edges.Keys.SelectMany(k => (string[])[k.Caller, k.Callee]));
        foreach (var name in names)
        {
            var inbound = new EdgeSums(steps);
            BreakerState? breaker = null;
            foreach (var ((_, callee), sums) in edges)
            {
                if (callee == name)
                {
                    inbound.Add(sums);
                    breaker = Graver(breaker, sums.Breaker);
                }
            }

            topology.Nodes.Add(new Wire.TopologyNode
            {
                Name = name,
                Health = ServiceHealth(states, name),
                Sidecars = sidecars.Count(s => s.Service == name && s.Connected),
                Breaker = ToWire(breaker),
                Inbound = inbound.ToWire(seconds),
            });
        }

        return topology;
    }

    /// <summary>The state most of <paramref name="service"/>'s callers report for it, the graver on a tie; unspecified when none reports it.</summary>
    public static Wire.HealthState ServiceHealth(IEnumerable<SidecarLiveState> live, string service) =>
        live.Select(l => l.Clusters.TryGetValue(service, out var c) ? c.Health : null)
            .OfType<HealthState>()
            .GroupBy(h => h)
            .OrderByDescending(g => g.Count()).ThenByDescending(g => g.Key)
            .Select(g => PolicyMapping.ToWire(g.Key))
            .FirstOrDefault();

    /// <summary>How grave a health state is: failed &gt; recovering &gt; degraded &gt; healthy.</summary>
    public static int Gravity(HealthState state) => state switch
    {
        HealthState.Failed => 3,
        HealthState.Recovering => 2,
        HealthState.Degraded => 1,
        _ => 0,
    };

    /// <summary>How grave a breaker state is: open &gt; isolated &gt; half-open &gt; closed.</summary>
    public static int Gravity(BreakerState state) => state switch
    {
        BreakerState.Open => 3,
        BreakerState.Isolated => 2,
        BreakerState.HalfOpen => 1,
        _ => 0,
    };

    private static HealthState? Graver(HealthState? a, HealthState? b) =>
        a is null ? b : b is null ? a : Gravity(b.Value) > Gravity(a.Value) ? b : a;

    private static BreakerState? Graver(BreakerState? a, BreakerState? b) =>
        a is null ? b : b is null ? a : Gravity(b.Value) > Gravity(a.Value) ? b : a;

    private static Wire.HealthState ToWire(HealthState? state) => state is { } s ? PolicyMapping.ToWire(s) : Wire.HealthState.Unspecified;

    private static Wire.BreakerState ToWire(BreakerState? state) => state is { } s ? PolicyMapping.ToWire(s) : Wire.BreakerState.Unspecified;

    private static EdgeSums Sums(SortedDictionary<(string, string), EdgeSums> edges, (string, string) key, int steps)
    {
        if (!edges.TryGetValue(key, out var sums))
        {
            sums = new EdgeSums(steps);
            edges[key] = sums;
        }

        return sums;
    }

    /// <summary>One edge's (or one node's inbound) counts over the window and per step.</summary>
    private sealed class EdgeSums(int steps)
    {
        private readonly long[] _requests = new long[steps];
        private readonly long[] _success = new long[steps];
        private readonly long[] _callerFailures = new long[steps];
        private readonly long[][] _latency = Enumerable.Range(0, steps).Select(_ => new long[LatencyHistogram.BucketCount]).ToArray();
        private long _fallbacks;
        private long _retries;

        public HealthState? Health { get; set; }

        public BreakerState? Breaker { get; set; }

        public void Add(int step, TelemetryRollup row)
        {
            if (step < 0 || step >= _requests.Length)
            {
                return;
            }

            _requests[step] = Saturating.Add(_requests[step], row.Requests);
            _success[step] = Saturating.Add(_success[step], Saturating.Add(row.Success, row.Slow));
            _callerFailures[step] = Saturating.Add(_callerFailures[step], row.CallerFailures);
            AddCounts(_latency[step], row.LatencyCounts);
            _fallbacks = Saturating.Add(_fallbacks, row.Fallbacks);
            _retries = Saturating.Add(_retries, row.Retries);
        }

        public void Add(EdgeSums other)
        {
            for (var i = 0; i < _requests.Length; i++)
            {
                _requests[i] = Saturating.Add(_requests[i], other._requests[i]);
                _success[i] = Saturating.Add(_success[i], other._success[i]);
                _callerFailures[i] = Saturating.Add(_callerFailures[i], other._callerFailures[i]);
                AddCounts(_latency[i], other._latency[i]);
            }

            _fallbacks = Saturating.Add(_fallbacks, other._fallbacks);
            _retries = Saturating.Add(_retries, other._retries);
        }

        public Wire.GoldenMetrics ToWire(double seconds)
        {
            var requests = _requests.Aggregate(0L, Saturating.Add);
            var success = _success.Aggregate(0L, Saturating.Add);
            var callerFailures = _callerFailures.Aggregate(0L, Saturating.Add);
            var latency = new long[LatencyHistogram.BucketCount];
            foreach (var counts in _latency)
            {
                AddCounts(latency, counts);
            }

            var metrics = new Wire.GoldenMetrics
            {
                Requests = requests, RequestsPerSecond = requests / seconds, Fallbacks = _fallbacks, Retries = _retries,
            };
            if (requests > 0)
            {
                // Retried attempts count as primary attempts too, so successes may outnumber requests.
                metrics.SuccessRate = Math.Min(1, (double)success / requests);
                metrics.CallerSuccessRate = Math.Max(0, 1 - ((double)callerFailures / requests));
            }

            if (latency.Any(c => c > 0))
            {
                metrics.P50Ms = LatencyHistogram.Quantile(latency, 0.5);
                metrics.P95Ms = LatencyHistogram.Quantile(latency, 0.95);
                metrics.P99Ms = LatencyHistogram.Quantile(latency, 0.99);
            }

            metrics.RequestsSeries.Add(_requests);
            metrics.SuccessSeries.Add(_success);
            metrics.CallerFailuresSeries.Add(_callerFailures);
            for (var i = 0; i < _requests.Length; i++)
            {
                metrics.P99MsSeries.Add(_requests[i] == 0 ? 0 : LatencyHistogram.Quantile(_latency[i], 0.99));
            }

            return metrics;
        }

        private static void AddCounts(long[] sum, long[] counts)
        {
            for (var i = 0; i < sum.Length && i < counts.Length; i++)
            {
                sum[i] = Saturating.Add(sum[i], counts[i]);
            }
        }
    }
}
