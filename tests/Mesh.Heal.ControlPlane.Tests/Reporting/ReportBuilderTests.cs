using Mesh.Heal.ControlPlane.Reporting;
using Mesh.Heal.ControlPlane.Store;

namespace Mesh.Heal.ControlPlane.Tests.Reporting;

/// <summary>The report's figures from a seeded store on a fake clock: known rollups, issues and actions give exact figures.
/// Runs once per database (the two subclasses at the end of the file).</summary>
public abstract class ReportBuilderTests
{
    private protected abstract Task<TestStore> OpenAsync();

    [Fact]
    public async Task Build_SeededStore_GivesExactFigures()
    {
        using var test = await OpenAsync();
        var store = test.Store;
        store.UpsertIssue("circuit-breaker/orders/upstream-errors/old", "orders", ["orders"], "upstream-errors", "high", "before the window");
        var t0 = DateTimeOffset.FromUnixTimeSeconds(test.Time.GetUtcNow().ToUnixTimeSeconds() + (3 * 3600));
        var rows = new List<TelemetryRollup>
        {
            // An earlier, separate burst: more than the burst gap before the incident's, so not its start.
            Rollup("orders", t0.AddSeconds(-60), requests: 10, serverErrors: 10, callerFailures: 0),
        };
        for (var s = 0; s < 10; s++)
        {
            // Failures at the upstream in seconds 3..7; a fallback answered most, so only 2 of 10 reached the caller.
            var failing = s is >= 3 and <= 7;
            rows.Add(Rollup("orders", t0.AddSeconds(s), requests: 100, serverErrors: failing ? 10 : 0, callerFailures: failing ? 2 : 0));
            rows.Add(Rollup("web", t0.AddSeconds(s), requests: 50, serverErrors: 0, callerFailures: 0));
        }

        store.AddRollups(rows, []);

        test.Time.SetUtcNow(t0.AddSeconds(5.5));
        var first = store.UpsertIssue("circuit-breaker/orders/upstream-errors/payments", "orders", ["orders", "payments"], "upstream-errors", "high", "payments fails");
        var automatic = store.AddAction(first.Id, "orders", "breaker", "policy", "open the breaker", "low", automatic: true, dryRun: false, "", "");
        var dryRun = store.AddAction(first.Id, "orders", "breaker", "policy", "dry run", "low", automatic: true, dryRun: true, "", "");
        test.Time.SetUtcNow(t0.AddSeconds(6));
        store.Audit("healing", "action.applied", "orders", dryRun.Id, "dry run, applies nothing");
        test.Time.SetUtcNow(t0.AddSeconds(6.5));
        store.Audit("healing", "action.applied", "orders", automatic.Id, "applied");

        // The agents name an unhealthy upstream's issue after the called cluster: its burst is on the orders -> payments edge.
        test.Time.SetUtcNow(t0.AddSeconds(7));
        store.UpsertIssue("upstream/payments/upstream.unhealthy/payments", "payments", ["payments"], "upstream.unhealthy", "warning", "payments fails");

        test.Time.SetUtcNow(t0.AddSeconds(20));
        var second = store.UpsertIssue("latency/orders/latency/payments", "orders", ["orders"], "latency", "medium", "slow");
        var approved = store.AddAction(second.Id, "orders", "scaler", "scale", "add a replica", "medium", automatic: false, dryRun: false, "", "");
        test.Time.SetUtcNow(t0.AddSeconds(24));
        store.Audit("alice", "action.applied", "orders", approved.Id, "applied after approval");

        test.Time.SetUtcNow(t0.AddSeconds(30));
        store.UpsertIssue("resources/web/memory-leak/web", "web", ["web"], "memory-leak", "medium", "leak");
        test.Time.SetUtcNow(t0.AddSeconds(40));

        var report = new ReportBuilder(store, test.Time).Build(TimeSpan.FromHours(1));

        Assert.Equal(ReportBuilder.CapacityUnavailable, report.Capacity);
        Assert.Equal(["orders", "payments", "web"], report.Services.Select(s => s.Service));
        var orders = report.Services[0];
        Assert.Equal((1010L, 10L), (orders.Requests, orders.CallerFailures));
        Assert.Equal(1 - (10.0 / 1010), orders.Availability!.Value, 12);
        Assert.Equal(2, orders.Incidents);
        Assert.Equal(new Spread(TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(2.5), 1), orders.TimeToDetect);
        Assert.Equal(new Spread(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), 1), orders.UnprotectedBroken);
        // Callers failed all through the burst, so the sidecars did not shield them: the applied action mitigated it, 3.5 s after the
        // burst's start (t0+3 -> t0+6.5); the latency issue has no burst, so its 4 s run from first_seen.
        Assert.Equal(new Spread(TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(4), 2), orders.TimeToMitigate);
        Assert.Equal((1, 1, 0), (orders.MitigatedAutomatically, orders.MitigatedByOperator, orders.NotMitigated));
        Assert.Equal(0.5, orders.AutomaticShare);

        var payments = report.Services[1];
        Assert.Equal((0L, (double?)null, 1), (payments.Requests, payments.Availability, payments.Incidents));
        Assert.Equal(new Spread(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4), 1), payments.TimeToDetect);
        Assert.Equal(new Spread(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), 1), payments.UnprotectedBroken);

        var web = report.Services[2];
        Assert.Equal((500L, 0L, 1.0), (web.Requests, web.CallerFailures, web.Availability!.Value));
        Assert.Equal((1, 0, 0, 1), (web.Incidents, web.MitigatedAutomatically, web.MitigatedByOperator, web.NotMitigated));
        Assert.Null(web.TimeToDetect);
        Assert.Null(web.TimeToMitigate);

        var overall = report.Overall;
        Assert.Equal((1510L, 10L, 4), (overall.Requests, overall.CallerFailures, overall.Incidents));
        Assert.Equal(1.0 / 4, overall.AutomaticShare!.Value, 12);
        Assert.Equal(new Spread(TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(4), 2), overall.TimeToDetect);
        Assert.Equal(new Spread(TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(4), 2), overall.TimeToMitigate);
    }

    [Fact]
    public async Task Build_CallersShieldedWhileTheUpstreamStillFailed_IsMitigatedWithNoOperator_FromTheBurstsStart()
    {
        using var test = await OpenAsync();
        var store = test.Store;
        var t0 = DateTimeOffset.FromUnixTimeSeconds(test.Time.GetUtcNow().ToUnixTimeSeconds() + 3600);
        var rows = new List<TelemetryRollup>();
        for (var s = 0; s < 10; s++)
        {
            // payments fails for 10 s; orders' callers see failures in its first 2 s only (until the breaker opened onto the
            // fallback); web's see none at all (a retry or fallback answered from the first request).
            rows.Add(Rollup("orders", t0.AddSeconds(s), requests: 100, serverErrors: 50, callerFailures: s < 2 ? 20 : 0));
            rows.Add(Rollup("web", t0.AddSeconds(100 + s), requests: 100, serverErrors: 50, callerFailures: 0));
        }

        // inventory: callers fail until the upstream itself comes back: not shielded.
        for (var s = 0; s < 5; s++)
        {
            rows.Add(Rollup("inventory", t0.AddSeconds(200 + s), requests: 100, serverErrors: 50, callerFailures: 10));
        }

        store.AddRollups(rows, []);
        test.Time.SetUtcNow(t0.AddSeconds(3));
        store.UpsertIssue("circuit-breaker/orders/upstream-errors/payments", "orders", ["orders"], "upstream-errors", "high", "payments fails");
        test.Time.SetUtcNow(t0.AddSeconds(103));
        store.UpsertIssue("circuit-breaker/web/upstream-errors/payments", "web", ["web"], "upstream-errors", "high", "payments fails");
        test.Time.SetUtcNow(t0.AddSeconds(203));
        store.UpsertIssue("circuit-breaker/inventory/upstream-errors/payments", "inventory", ["inventory"], "upstream-errors", "high", "payments fails");
        // A suggestion is not an incident.
        store.UpsertIssue("circuit-breaker/inventory/breaker.tuning/payments", "inventory", ["inventory"], "breaker.tuning", "info", "tighter thresholds");
        test.Time.SetUtcNow(t0.AddSeconds(300));

        var report = new ReportBuilder(store, test.Time).Build(TimeSpan.FromHours(1));

        var byService = report.Services.ToDictionary(s => s.Service);
        var orders = byService["orders"];
        Assert.Equal((1, 0, 0), (orders.MitigatedAutomatically, orders.MitigatedByOperator, orders.NotMitigated));
        Assert.Equal(new Spread(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), 1), orders.TimeToMitigate);
        Assert.Equal(new Spread(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), 1), orders.UnprotectedBroken);
        Assert.Equal(new Spread(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), 1), orders.TimeToDetect);
        var web = byService["web"];
        Assert.Equal((1, TimeSpan.Zero), (web.MitigatedAutomatically, web.TimeToMitigate!.P50));
        var inventory = byService["inventory"];
        Assert.Equal((1, 0, 1), (inventory.Incidents, inventory.MitigatedAutomatically, inventory.NotMitigated));
        Assert.Null(inventory.TimeToMitigate);
        Assert.Equal(2.0 / 3, report.Overall.AutomaticShare!.Value, 12);
    }

    [Fact]
    public async Task Build_EmptyStore_HasNoFiguresToShow()
    {
        using var test = await OpenAsync();

        var report = new ReportBuilder(test.Store, test.Time).Build(TimeSpan.FromDays(1));

        Assert.Empty(report.Services);
        Assert.Equal(ReportBuilder.CapacityUnavailable, report.Capacity);
        Assert.Null(report.Overall.Availability);
        Assert.Null(report.Overall.AutomaticShare);
        Assert.Equal(0, report.Overall.Incidents);
    }

    [Fact]
    public async Task Build_KnownReplicaHistory_GivesProvisionedAgainstStaticPeak_ThePlannersFigure_AndSaturatedMinutes()
    {
        using var test = await OpenAsync();
        var store = test.Store;
        var t0 = DateTimeOffset.FromUnixTimeSeconds((test.Time.GetUtcNow().ToUnixTimeSeconds() / 60 * 60) + 3600);

        // orders: callers (web) send it 50..210 requests/s; one replica serves 50/s (the planner's figure). The planner
        // recommended 3 before the window and 5 from minute 5.
        int[] replicas = [2, 2, 2, 3, 4, 4, 3, 2, 2, 2];
        int[] rates = [50, 60, 80, 150, 190, 210, 140, 90, 70, 50];
        var samples = new List<ReplicaMinute> { new("orders", t0.AddMinutes(-5), 3, "sidecars", 3, 50, "capacity planner: configured") };
        var rows = new List<TelemetryRollup>();
        for (var m = 0; m < 10; m++)
        {
            samples.Add(new ReplicaMinute("orders", t0.AddMinutes(m), replicas[m], "sidecars", m == 5 ? 5 : null, m == 5 ? 50 : null, m == 5 ? "capacity planner: configured" : ""));
            rows.Add(MinuteRollup("web", "orders", t0.AddMinutes(m), rates[m] * 60L));
        }

        // entry: no caller in the mesh; its own sidecar proxied 30/s to x, one replica serves 20/s (configured).
        for (var m = 0; m < 2; m++)
        {
            samples.Add(new ReplicaMinute("entry", t0.AddMinutes(m), 1, "sidecars", null, 20, "configured"));
            rows.Add(MinuteRollup("entry", "x", t0.AddMinutes(m), 30 * 60L));
        }

        // legacy: two then three replicas, nothing known of what one serves.
        samples.Add(new ReplicaMinute("legacy", t0.AddMinutes(3), 2, "hpa", null, null, ""));
        samples.Add(new ReplicaMinute("legacy", t0.AddMinutes(4), 3, "hpa", null, null, ""));
        store.AddReplicaSamples(samples);
        store.AddRollups(rows, []);
        test.Time.SetUtcNow(t0.AddMinutes(10));

        var report = new ReportBuilder(store, test.Time).Build(TimeSpan.FromMinutes(10));

        var orders = report.Services.Single(s => s.Service == "orders").Capacity!;
        // Needed per minute: ceil(rate / 50) = 1 2 2 3 4 5 3 2 2 1, so the static peak is 5 replicas for 10 minutes.
        Assert.Equal((10, 26L, 5, 50L), (orders.Minutes, orders.ProvisionedReplicaMinutes, orders.StaticPeakReplicas, orders.StaticPeakReplicaMinutes));
        Assert.Equal(1 - (26.0 / 50), orders.Reduction!.Value, 12);
        // The planner's: 3 for minutes 0-4 (carried in from before the window), 5 after: 40 of 50.
        Assert.Equal((10, 40L, 50L), (orders.PlannerMinutes, orders.PlannerReplicaMinutes, orders.PlannerStaticPeakReplicaMinutes));
        Assert.Equal(0.2, orders.PlannerReduction!.Value, 12);
        // Minute 5: 210/s on 4 replicas (200/s). The planner's 3 (150/s) would have saturated minute 4 (190/s); 150 on 150 is not over.
        Assert.Equal((1, 1), (orders.SaturatedMinutes, orders.PlannerSaturatedMinutes));
        Assert.Equal((50.0, "capacity planner: configured"), (orders.CapacityPerReplica, orders.CapacityBasis));
        Assert.StartsWith("needed at the peak demand 210", orders.StaticPeakBasis, StringComparison.Ordinal);

        var entry = report.Services.Single(s => s.Service == "entry").Capacity!;
        Assert.Equal((2, 2L, 2, 4L, 2), (entry.Minutes, entry.ProvisionedReplicaMinutes, entry.StaticPeakReplicas, entry.StaticPeakReplicaMinutes, entry.SaturatedMinutes));
        Assert.StartsWith("n/a: the capacity planner made no recommendation for entry", entry.PlannerNote, StringComparison.Ordinal);
        Assert.Null(entry.PlannerSaturatedMinutes);

        var legacy = report.Services.Single(s => s.Service == "legacy").Capacity!;
        Assert.Equal((2, 5L, 3, 6L), (legacy.Minutes, legacy.ProvisionedReplicaMinutes, legacy.StaticPeakReplicas, legacy.StaticPeakReplicaMinutes));
        Assert.Null(legacy.SaturatedMinutes);
        Assert.StartsWith("n/a: the per-replica capacity of legacy is not known", legacy.CapacityBasis, StringComparison.Ordinal);
        Assert.StartsWith("the most replicas in service", legacy.StaticPeakBasis, StringComparison.Ordinal);
        Assert.Contains("saturation n/a: the per-replica capacity of legacy is not known", legacy.Summary(), StringComparison.Ordinal);

        Assert.Equal(["entry", "legacy", "orders"], report.Services.Where(s => s.Capacity is not null).Select(s => s.Service));
        var mesh = report.Overall.Capacity!;
        Assert.Equal((14, 33L, 60L, 3), (mesh.Minutes, mesh.ProvisionedReplicaMinutes, mesh.StaticPeakReplicaMinutes, mesh.SaturatedMinutes));
        Assert.Equal((10, 40L, 50L), (mesh.PlannerMinutes, mesh.PlannerReplicaMinutes, mesh.PlannerStaticPeakReplicaMinutes));
        Assert.Equal("per-replica capacity known for 2 of 3 service(s)", mesh.CapacityBasis);
        Assert.Equal(mesh.Summary(), report.Capacity);
        Assert.StartsWith("33 replica-minutes provisioned against 60 at static peak (45.0% less)", report.Capacity, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_CapacityKnownButNoDemandTelemetry_UsesThePeakInService_AndSaysWhySaturationIsNotKnown()
    {
        using var test = await OpenAsync();
        var t0 = DateTimeOffset.FromUnixTimeSeconds(test.Time.GetUtcNow().ToUnixTimeSeconds() / 60 * 60);
        test.Store.AddReplicaSamples(
            [new ReplicaMinute("quiet", t0, 1, "sidecars", null, 10, "configured"), new ReplicaMinute("quiet", t0.AddMinutes(1), 2, "sidecars", null, null, "")]);
        test.Time.SetUtcNow(t0.AddMinutes(2));

        var quiet = new ReportBuilder(test.Store, test.Time).Build(TimeSpan.FromMinutes(2)).Services.Single().Capacity!;

        Assert.Equal((3L, 2, 4L), (quiet.ProvisionedReplicaMinutes, quiet.StaticPeakReplicas, quiet.StaticPeakReplicaMinutes));
        Assert.Null(quiet.SaturatedMinutes);
        Assert.StartsWith("n/a: no request telemetry for quiet", quiet.CapacityBasis, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_ReplicaHistoryOnlyBeforeTheWindow_SaysCapacityIsNotAvailable()
    {
        using var test = await OpenAsync();
        test.Store.AddReplicaSamples([new ReplicaMinute("orders", test.Time.GetUtcNow(), 2, "sidecars", 2, 10, "configured")]);
        test.Time.Advance(TimeSpan.FromHours(2));

        var report = new ReportBuilder(test.Store, test.Time).Build(TimeSpan.FromHours(1));

        Assert.Equal(ReportBuilder.CapacityUnavailable, report.Capacity);
        Assert.Null(report.Overall.Capacity);
        Assert.Empty(report.Services);
    }

    private static TelemetryRollup MinuteRollup(string service, string cluster, DateTimeOffset bucket, long requests) =>
        new(service, cluster, TimeSpan.FromMinutes(1), bucket, requests, requests, 0, 0, 0, 0, 0, 0, 0, 0, requests, [requests], 1);

    private static TelemetryRollup Rollup(string service, DateTimeOffset bucket, long requests, long serverErrors, long callerFailures) =>
        new(service, "payments", TimeSpan.FromSeconds(1), bucket, requests, requests - serverErrors, serverErrors, 0, 0, 0, 0, serverErrors - callerFailures, 0,
            callerFailures, requests, [requests], 1);
}

/// <summary><see cref="ReportBuilderTests"/> on SQLite.</summary>
public sealed class SqliteReportBuilderTests : ReportBuilderTests
{
    private protected override Task<TestStore> OpenAsync() => Task.FromResult(new TestStore());
}

/// <summary><see cref="ReportBuilderTests"/> on PostgreSQL, a fresh database per test.</summary>
public sealed class PostgresReportBuilderTests(PostgresFixture postgres) : ReportBuilderTests, IClassFixture<PostgresFixture>
{
    private protected override Task<TestStore> OpenAsync() => postgres.StoreAsync();
}
