using Mesh.Heal.ControlPlane.Dashboard;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Options;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Tests.Dashboard;

/// <summary>The service graph from a real store and aggregator on a fake clock: known rollups give exact golden metrics and
/// series, and the live window gives each edge's and node's health and breaker.</summary>
public sealed class TopologyBuilderTests : IDisposable
{
    private readonly TestStore _test = new();
    private readonly TelemetryAggregator _telemetry;
    private readonly TopologyBuilder _builder;

    public TopologyBuilderTests()
    {
        _telemetry = new TelemetryAggregator(_test.Time);
        _builder = new TopologyBuilder(_test.Store, _telemetry, Options.Create(new HealingOptions { LiveWindow = TimeSpan.FromSeconds(10) }), _test.Time);
    }

    public void Dispose() => _test.Dispose();

    [Fact]
    public void Build_KnownRollups_GiveExactMetricsAndSeries()
    {
        // Now is T + 0.5 s; a 120 s window is 60 steps of 2 s, the last one [T, T + 2), so the first starts at T - 118.
        var t = _test.Time.GetUtcNow();
        _test.Time.Advance(TimeSpan.FromSeconds(0.5));
        _test.Store.AddRollups(
        [
            Rollup("orders", "payments", t.AddSeconds(-119), requests: 1000, success: 1000, callerFailures: 0), // before the window
            Rollup("orders", "payments", t.AddSeconds(-118), requests: 100, success: 100, callerFailures: 0),
            Rollup("orders", "payments", t.AddSeconds(-1), requests: 100, success: 60, callerFailures: 10, slow: 20, fallbacks: 30, retries: 5),
            Rollup("orders", "payments", t, requests: 100, success: 50, callerFailures: 20, latencyBucket: 9),
            Rollup("web", "payments", t, requests: 50, success: 50, callerFailures: 0),
            Rollup("orders", "payments", t.AddSeconds(2), requests: 1000, success: 0, callerFailures: 1000), // after now's step
        ], []);

        var topology = _builder.Build(TimeSpan.FromSeconds(120), []);

        Assert.Equal(2, topology.StepSeconds);
        Assert.Equal(t.AddSeconds(-118), topology.From.ToDateTimeOffset());
        Assert.Equal(["orders->payments", "web->payments"], topology.Edges.Select(e => $"{e.Caller}->{e.Callee}"));
        var edge = topology.Edges[0].Metrics;
        Assert.Equal(300, edge.Requests);
        Assert.Equal(300 / 118.5, edge.RequestsPerSecond, 9);
        Assert.Equal(230 / 300.0, edge.SuccessRate, 12);
        Assert.Equal(1 - (30 / 300.0), edge.CallerSuccessRate, 12);
        Assert.Equal((30L, 5L), (edge.Fallbacks, edge.Retries));

        // 200 requests between 2.5 and 5 ms, 100 between 500 and 1000 ms: interpolated within the bucket each quantile falls in.
        Assert.Equal(2.5 + (2.5 * 150 / 200), edge.P50Ms, 9);
        Assert.Equal(500 + (500 * (285 - 200) / 100.0), edge.P95Ms, 9);
        Assert.Equal(500 + (500 * (297 - 200) / 100.0), edge.P99Ms, 9);

        Assert.All(
            [edge.RequestsSeries.Count, edge.SuccessSeries.Count, edge.CallerFailuresSeries.Count, edge.P99MsSeries.Count],
            n => Assert.Equal(60, n));
        Assert.Equal([100L, 0L], edge.RequestsSeries.Take(2));
        Assert.Equal([100L, 100L], edge.RequestsSeries.Skip(58));
        Assert.Equal([80L, 50L], edge.SuccessSeries.Skip(58));
        Assert.Equal([10L, 20L], edge.CallerFailuresSeries.Skip(58));
        Assert.Equal(0, edge.P99MsSeries[1]);
        Assert.Equal(2.5 + (2.5 * 0.99), edge.P99MsSeries[58], 9);
        Assert.Equal(500 + (500 * 0.99), edge.P99MsSeries[59], 9);

        var payments = Assert.Single(topology.Nodes, n => n.Name == "payments");
        Assert.Equal(350, payments.Inbound.Requests);
        Assert.Equal(280 / 350.0, payments.Inbound.SuccessRate, 12);
        Assert.Equal([100L, 150L], payments.Inbound.RequestsSeries.Skip(58));
        var orders = Assert.Single(topology.Nodes, n => n.Name == "orders");
        Assert.Equal(0, orders.Inbound.Requests);
        Assert.False(orders.Inbound.HasSuccessRate);
        Assert.False(orders.Inbound.HasP99Ms);
        Assert.Equal(60, orders.Inbound.RequestsSeries.Count);
    }

    [Fact]
    public void Build_LongWindow_ReadsMinuteRollups()
    {
        var t = _test.Time.GetUtcNow();
        _test.Store.AddRollups(
        [
            Rollup("orders", "payments", t.AddMinutes(-30), requests: 600, success: 600, callerFailures: 0, resolution: TimeSpan.FromMinutes(1)),
            Rollup("orders", "payments", t.AddSeconds(-5), requests: 7, success: 7, callerFailures: 0),
        ], []);

        var topology = _builder.Build(TimeSpan.FromHours(2), []);

        Assert.Equal(120, topology.StepSeconds);
        var edge = Assert.Single(topology.Edges).Metrics;
        Assert.Equal(600, edge.Requests);
        Assert.Equal(60, edge.RequestsSeries.Count);
        Assert.Equal(600, edge.RequestsSeries[59 - 15]);
    }

    [Fact]
    public void Build_LiveWindow_GivesTheGravestHealthAndBreaker()
    {
        _test.Store.SidecarConnected("orders", "o-1", "z", "1", "c-1");
        _test.Store.SidecarConnected("orders", "o-2", "z", "1", "c-2");
        _test.Store.SidecarConnected("web", "w-1", "z", "1", "c-3");
        Report("orders", "o-1", "payments", Wire.HealthState.Failed, Wire.BreakerState.Open);
        Report("orders", "o-2", "payments", Wire.HealthState.Healthy, Wire.BreakerState.Closed);
        Report("web", "w-1", "payments", Wire.HealthState.Recovering, Wire.BreakerState.HalfOpen, ("search", Wire.HealthState.Degraded, Wire.BreakerState.Closed));

        var topology = _builder.Build(TimeSpan.FromMinutes(5), ["billing"]);

        Assert.Equal(["orders->payments", "web->payments", "web->search"], topology.Edges.Select(e => $"{e.Caller}->{e.Callee}"));
        Assert.Equal((Wire.HealthState.Failed, Wire.BreakerState.Open), (topology.Edges[0].Health, topology.Edges[0].Breaker));
        Assert.Equal((Wire.HealthState.Recovering, Wire.BreakerState.HalfOpen), (topology.Edges[1].Health, topology.Edges[1].Breaker));
        Assert.Equal(["billing", "orders", "payments", "search", "web"], topology.Nodes.Select(n => n.Name));
        var payments = topology.Nodes[2];

        // Three callers' sidecars report payments, one state each: a tie, broken as GetStatus breaks it (the later state).
        Assert.Equal(Wire.HealthState.Recovering, payments.Health);
        Assert.Equal(Wire.BreakerState.Open, payments.Breaker);
        Assert.Equal(0, payments.Sidecars);
        Assert.Equal(2, topology.Nodes[1].Sidecars);
        Assert.Equal((Wire.HealthState.Degraded, Wire.BreakerState.Closed), (topology.Nodes[3].Health, topology.Nodes[3].Breaker));
        Assert.Equal((Wire.HealthState.Unspecified, Wire.BreakerState.Unspecified), (topology.Nodes[0].Health, topology.Nodes[0].Breaker));

        // Past the live window the states are no longer live; the edges stay, from the stored rollups.
        var (rollups, resources) = _telemetry.Drain();
        _test.Store.AddRollups(rollups, resources);
        _test.Time.Advance(TimeSpan.FromSeconds(11));
        var later = _builder.Build(TimeSpan.FromMinutes(5), []);
        Assert.Equal(3, later.Edges.Count);
        Assert.All(later.Edges, e => Assert.Equal((Wire.HealthState.Unspecified, Wire.BreakerState.Unspecified), (e.Health, e.Breaker)));
    }

    // One report of every cluster, as a sidecar sends it: the newest report's states are the live ones.
    private void Report(string caller, string instance, string cluster, Wire.HealthState health, Wire.BreakerState breaker, params (string Cluster, Wire.HealthState Health, Wire.BreakerState Breaker)[] more)
    {
        var report = new Wire.SidecarReport();
        report.LatencyBoundsMs.Add(LatencyHistogram.BoundsMs);
        foreach (var (name, h, b) in (List<(string, Wire.HealthState, Wire.BreakerState)>)[(cluster, health, breaker), .. more])
        {
            var c = new Wire.ClusterReport { Cluster = name, Requests = 1, Success = 1, Health = h, Breaker = b };
            c.LatencyCounts.Add(new long[LatencyHistogram.BucketCount]);
            report.Clusters.Add(c);
        }

        Assert.True(_telemetry.Add(caller, instance, report));
    }

    private static TelemetryRollup Rollup(
        string service, string cluster, DateTimeOffset bucket, long requests, long success, long callerFailures,
        long slow = 0, long fallbacks = 0, long retries = 0, int latencyBucket = 2, TimeSpan? resolution = null)
    {
        var counts = new long[LatencyHistogram.BucketCount];
        counts[latencyBucket] = requests;
        return new TelemetryRollup(
            service, cluster, resolution ?? TimeSpan.FromSeconds(1), bucket, requests, success, requests - success - slow, 0, 0, slow, 0,
            fallbacks, retries, callerFailures, 0, counts, 1);
    }
}
