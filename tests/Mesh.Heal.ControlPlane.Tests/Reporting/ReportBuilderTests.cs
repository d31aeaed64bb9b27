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
        Assert.Equal(new Spread(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), 2), orders.TimeToMitigate);
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
        Assert.Equal(new Spread(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), 2), overall.TimeToMitigate);
    }

    [Fact]
    public async Task Build_EmptyStore_HasNoFiguresToShow()
    {
        using var test = await OpenAsync();

        var report = new ReportBuilder(test.Store, test.Time).Build(TimeSpan.FromDays(1));

        Assert.Empty(report.Services);
        Assert.Null(report.Overall.Availability);
        Assert.Null(report.Overall.AutomaticShare);
        Assert.Equal(0, report.Overall.Incidents);
    }

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
