using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Replication;
using Mesh.Heal.ControlPlane.Reporting;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Tests.Capacity;

/// <summary>The replica history recorder on a real store and a fake clock: connected sidecars, an HPA read through a WireMock
/// stand-in for the Kubernetes API, and the capacity planner's recommendation from real coordinator runs; its writes are fenced.
/// Runs once per database (the two subclasses at the end of the file).</summary>
public abstract class ReplicaHistoryRecorderTests
{
    private protected abstract Task<TestStore> OpenAsync();

    [Fact]
    public async Task Observe_SidecarsConnectingDuringAMinute_RecordsTheMostConnected_WithTheConfiguredCapacity()
    {
        using var test = await OpenAsync();
        var options = new TestOptions();
        options.Capacity.Services["orders"] = new ServiceCapacityOptions { Planner = new CapacityPlannerOptions { CapacityPerReplica = 40 } };
        var recorder = Recorder(test, options);
        var start = test.Time.GetUtcNow();
        test.Store.SidecarConnected("orders", "orders-1", "", "1", "c1");
        test.Store.SidecarConnected("web", "web-1", "", "1", "w1");
        recorder.Observe(test.Time.GetUtcNow(), []);
        test.Time.Advance(TimeSpan.FromSeconds(20));
        test.Store.SidecarConnected("orders", "orders-2", "", "1", "c2");
        test.Store.SidecarConnected("orders", "orders-3", "", "1", "c3");
        recorder.Observe(test.Time.GetUtcNow(), []);
        test.Time.Advance(TimeSpan.FromSeconds(20));
        test.Store.SidecarDisconnected("orders", "orders-3", "c3");
        test.Store.SidecarDisconnected("web", "web-1", "w1");
        recorder.Observe(test.Time.GetUtcNow(), []);
        test.Time.Advance(TimeSpan.FromSeconds(30));
        recorder.Observe(test.Time.GetUtcNow(), []);

        var history = test.Store.ReplicaHistory(start, start.AddMinutes(5));

        Assert.Equal(
            [
                new ReplicaMinute("orders", start, 3, ReplicaHistoryRecorder.FromSidecars, null, 40, "configured"),
                new ReplicaMinute("orders", start.AddMinutes(1), 2, ReplicaHistoryRecorder.FromSidecars, null, 40, "configured"),
                new ReplicaMinute("web", start, 1, ReplicaHistoryRecorder.FromSidecars, null, null, ""),
            ],
            history);
    }

    [Fact]
    public async Task Observe_NothingChangedInTheMinute_WritesNoMore()
    {
        using var test = await OpenAsync();
        var recorder = Recorder(test, new TestOptions());
        test.Store.SidecarConnected("orders", "orders-1", "", "1", "c1");
        recorder.Observe(test.Time.GetUtcNow(), []);
        test.Time.Advance(TimeSpan.FromSeconds(5));
        recorder.Observe(test.Time.GetUtcNow(), []);
        test.Store.SidecarConnected("orders", "orders-2", "", "1", "c2");
        recorder.Observe(test.Time.GetUtcNow(), []);
        test.Store.SidecarDisconnected("orders", "orders-2", "c2");
        recorder.Observe(test.Time.GetUtcNow(), []);

        Assert.Equal([(2L, 2L)], test.Store.Query("SELECT replicas, samples FROM replica_history", r => (r.GetInt64(0), r.GetInt64(1))));
    }

    [Fact]
    public async Task Observe_AnHpaTheCollectorRead_RecordsTheDeploymentsReadyReplicas()
    {
        using var test = await OpenAsync();
        using var kubernetes = WireMockServer.Start();
        kubernetes.Given(Request.Create().WithPath("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/orders").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody("""
                { "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": { "name": "orders", "namespace": "default" },
                  "spec": { "scaleTargetRef": { "kind": "Deployment", "name": "orders" }, "minReplicas": 2, "maxReplicas": 12 },
                  "status": { "currentReplicas": 5, "desiredReplicas": 5 } }
                """));
        kubernetes.Given(Request.Create().WithPath("/apis/apps/v1/namespaces/default/deployments/orders").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody("""
                { "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "orders", "namespace": "default" },
                  "spec": { "replicas": 5, "selector": { "matchLabels": { "app": "orders" } }, "template": { "metadata": { "labels": { "app": "orders" } }, "spec": { "containers": [ { "name": "orders", "image": "orders:1" } ] } } },
                  "status": { "replicas": 5, "readyReplicas": 4 } }
                """));
        kubernetes.Given(Request.Create().WithPath("/api/v1/namespaces/default/events").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody("""{ "apiVersion": "v1", "kind": "EventList", "items": [] }"""));
        var options = new TestOptions();
        options.Kubernetes.Server = kubernetes.Url;
        options.Capacity.Services["orders"] = new ServiceCapacityOptions { Hpa = new HpaOptions() };
        var collector = Collector(test, options);
        var recorder = new ReplicaHistoryRecorder(test.Store, collector, Options.Create(options.Capacity));
        test.Store.SidecarConnected("orders", "orders-1", "", "1", "c1");

        recorder.Observe(test.Time.GetUtcNow(), []);
        var before = test.Store.ReplicaHistory(test.Time.GetUtcNow().AddMinutes(-1), test.Time.GetUtcNow().AddMinutes(1));
        await collector.CollectAsync(CancellationToken.None);
        test.Time.Advance(TimeSpan.FromMinutes(1));
        recorder.Observe(test.Time.GetUtcNow(), []);

        Assert.Equal((1, ReplicaHistoryRecorder.FromSidecars), (Assert.Single(before).Replicas, before[0].Source));
        var after = test.Store.ReplicaHistory(test.Time.GetUtcNow(), test.Time.GetUtcNow().AddMinutes(1));
        Assert.Equal((4, ReplicaHistoryRecorder.FromHpa), (Assert.Single(after).Replicas, after[0].Source));
    }

    [Fact]
    public async Task Flow_CoordinatorRunsThePlanner_HistoryHoldsItsRecommendation_AndTheReportComparesIt()
    {
        // b's callers send 150 requests/s; one replica serves 100 (configured); two sidecars front b. Time is compressed as in
        // the coordinator's capacity test: 1 s rollups, horizons of 30, 60 and 90 s.
        using var test = await OpenAsync();
        var options = new TestOptions();
        options.Capacity.Resolution = TimeSpan.FromSeconds(1);
        options.Capacity.Refresh = TimeSpan.FromSeconds(1);
        options.Capacity.Lookback = TimeSpan.FromMinutes(10);
        options.Capacity.ScalingLookback = TimeSpan.FromMinutes(10);
        options.Capacity.Services["b"] = new ServiceCapacityOptions
        {
            Planner = new CapacityPlannerOptions { CapacityPerReplica = 100, Horizons = [TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(90)] },
        };
        var telemetry = new TelemetryAggregator(test.Time);
        var (snapshots, anomalies, _) = test.Snapshots(telemetry, options);
        var coordinator = new HealingCoordinator(
            [new CapacityPlannerAgent()], new ActuatorDispatcher([]), snapshots, test.Store, telemetry, anomalies, Options.Create(options.Healing), test.Time,
            NullLogger<HealingCoordinator>.Instance, observers: [Recorder(test, options)]);
        test.Store.SidecarConnected("b", "b-1", "", "1", "c1");
        test.Store.SidecarConnected("b", "b-2", "", "1", "c2");
        var start = test.Time.GetUtcNow();

        for (var i = 0; i < 90; i++)
        {
            test.Time.Advance(TimeSpan.FromSeconds(1));
            Report(telemetry, "a", "b", 150);
            var (rollups, resources) = telemetry.Drain();
            test.Store.AddRollups(rollups, resources);
            await coordinator.RunOnceAsync(CancellationToken.None);
        }

        var plan = coordinator.Outputs[(CapacityPlannerAgent.AgentName, "b")];
        var history = test.Store.ReplicaHistory(start, test.Time.GetUtcNow().AddMinutes(1));
        Assert.Equal(2, history.Count);
        Assert.All(history, m => Assert.Equal((2, ReplicaHistoryRecorder.FromSidecars, 100.0), (m.Replicas, m.Source, m.CapacityPerReplica)));
        Assert.Equal((int)plan.Metrics["recommendedReplicas"], history[^1].RecommendedReplicas);
        Assert.Equal("capacity planner: configured", history[^1].CapacityBasis);

        var figures = new ReportBuilder(test.Store, test.Time).Build(TimeSpan.FromMinutes(5)).Services.Single(s => s.Service == "b").Capacity!;
        // 150/s needs 2 replicas of 100/s in every minute: the two in service were the static peak, and never saturated.
        Assert.Equal((2, 4L, 4L, 0), (figures.StaticPeakReplicas, figures.ProvisionedReplicaMinutes, figures.StaticPeakReplicaMinutes, figures.SaturatedMinutes));
        Assert.Equal(2, figures.PlannerMinutes);
        Assert.Equal(0.0, figures.Reduction);
    }

    [Fact]
    public async Task Observe_UnderATermThatLostTheLease_IsRefused_AndWritesNothing()
    {
        using var test = await OpenAsync();
        using var other = test.Provider == StoreProvider.Postgres ? test.Replica() : new TestStore(test.Time, test.Directory);
        var epoch = test.Store.TryAcquireLease(LeaderElection.LeaseName, test.Store.ReplicaId, TimeSpan.FromMinutes(1), out _)!.Value;
        using var term = new LeaderTerm(test.Store.ReplicaId, epoch, test.Time.GetUtcNow().AddMinutes(1), test.Time, TimeSpan.Zero);
        test.Store.ReleaseLease(LeaderElection.LeaseName, test.Store.ReplicaId, epoch);
        Assert.NotNull(other.Store.TryAcquireLease(LeaderElection.LeaseName, other.Store.ReplicaId, TimeSpan.FromMinutes(1), out _));
        test.Store.SidecarConnected("orders", "orders-1", "", "1", "c1");
        var recorder = Recorder(test, new TestOptions());

        using (Fence.Enter(term))
        {
            Assert.Throws<LeadershipLostException>(() => recorder.Observe(test.Time.GetUtcNow(), []));
        }

        Assert.Empty(test.Store.ReplicaHistory(test.Time.GetUtcNow().AddHours(-1), test.Time.GetUtcNow().AddHours(1)));
    }

    private static ReplicaHistoryRecorder Recorder(TestStore test, TestOptions options) =>
        new(test.Store, Collector(test, options), Options.Create(options.Capacity));

    private static CapacityCollector Collector(TestStore test, TestOptions options) =>
        new(new HpaReader(new KubernetesApi(Options.Create(options.Kubernetes)), Options.Create(options.Capacity)), new PrometheusClient(new HttpClient()),
            Options.Create(options.Capacity), Options.Create(options.Resources), TestStore.Metrics(), test.Time, NullLogger<CapacityCollector>.Instance);

    private static void Report(TelemetryAggregator telemetry, string caller, string cluster, long requests)
    {
        var counts = new long[LatencyHistogram.BucketCount];
        counts[0] = requests;
        var c = new Wire.ClusterReport
        {
            Cluster = cluster, Requests = requests, Success = requests, Health = Wire.HealthState.Healthy, Breaker = Wire.BreakerState.Closed,
        };
        c.LatencyCounts.Add(counts);
        var report = new Wire.SidecarReport();
        report.LatencyBoundsMs.Add(LatencyHistogram.BoundsMs);
        report.Clusters.Add(c);
        telemetry.Add(caller, caller + "-1", report);
    }
}

/// <summary><see cref="ReplicaHistoryRecorderTests"/> on SQLite.</summary>
public sealed class SqliteReplicaHistoryRecorderTests : ReplicaHistoryRecorderTests
{
    private protected override Task<TestStore> OpenAsync() => Task.FromResult(new TestStore());
}

/// <summary><see cref="ReplicaHistoryRecorderTests"/> on PostgreSQL, a fresh database per test.</summary>
public sealed class PostgresReplicaHistoryRecorderTests(PostgresFixture postgres) : ReplicaHistoryRecorderTests, IClassFixture<PostgresFixture>
{
    private protected override Task<TestStore> OpenAsync() => postgres.StoreAsync();
}
