using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Store;

namespace Mesh.Heal.ControlPlane.Tests.Store;

/// <summary>The store's behaviour, the same on both databases: each test runs once per provider (the two subclasses below).</summary>
public abstract class MeshStoreTests
{
    private protected abstract Task<TestStore> OpenAsync();

    [Fact]
    public async Task Open_RunsMigrationsOnce_AndAReopenKeepsEverything()
    {
        var test = await OpenAsync();
        Assert.Equal(3, test.Store.SchemaVersion);
        test.Store.AddPolicy("orders", "{}", "service: orders", "api", "alice");
        test.Store.SidecarConnected("orders", "orders-1", "zone-a", "1.0", "c1");
        test.Store.RecordAnswers([new PolicyAnswer("orders", "orders-1", 1, "n1", null, test.Time.GetUtcNow())]);
        test.Store.Audit("alice", "policy.changed", "orders", "version 1", "source api");

        using var reopened = test.Reopen();

        Assert.Equal(3, reopened.Store.SchemaVersion);
        Assert.Equal(1, reopened.Store.Policy("orders")!.Version);
        var sidecar = Assert.Single(reopened.Store.Sidecars("orders"));
        Assert.False(sidecar.Connected);
        Assert.Equal(1, sidecar.AckedVersion);
        Assert.Single(reopened.Store.AuditLog("orders", 10));
    }

    [Fact]
    public async Task Nack_IsRecordedBesideTheAckedVersion_AndInTheHistory()
    {
        using var test = await OpenAsync();
        test.Store.SidecarConnected("orders", "orders-1", "", "1.0", "c1");
        test.Store.RecordAnswers([new PolicyAnswer("orders", "orders-1", 1, "n1", null, test.Time.GetUtcNow())]);
        test.Store.RecordAnswers([new PolicyAnswer("orders", "orders-1", 2, "n2", "no cluster 'nowhere'", test.Time.GetUtcNow())]);

        var sidecar = Assert.Single(test.Store.Sidecars());
        Assert.Equal(1, sidecar.AckedVersion);
        Assert.Equal(2, sidecar.NackVersion);
        Assert.Equal("no cluster 'nowhere'", sidecar.NackError);
        Assert.Equal([false, true], test.Store.AckHistory("orders", "orders-1").Select(a => a.Ack));
    }

    [Fact]
    public async Task Disconnect_OfAnOldStream_DoesNotMarkAReconnectedSidecarGone()
    {
        using var test = await OpenAsync();
        test.Store.SidecarConnected("orders", "orders-1", "", "1.0", "old");
        test.Store.SidecarConnected("orders", "orders-1", "", "1.0", "new");

        test.Store.SidecarDisconnected("orders", "orders-1", "old");

        Assert.True(Assert.Single(test.Store.Sidecars()).Connected);
    }

    [Fact]
    public async Task Flow_Action_Proposed_Approved_NotApprovedTwice_RolledBackOnlyAfterApplied()
    {
        using var test = await OpenAsync();
        var action = test.Store.AddAction(null, "orders", "circuit-breaker", "fallback.activate", "serve from backup", "medium", automatic: false, dryRun: false, "", "deactivate");
        Assert.Equal(ActionStates.Proposed, action.State);

        var (from, to) = HealingLifecycle.Transition("approve");
        var (approved, moved) = test.Store.MoveAction(action.Id, from, to);
        Assert.True(moved);
        Assert.Equal(ActionStates.Approved, approved!.State);
        Assert.False(test.Store.MoveAction(action.Id, from, to).Moved);

        var rollback = HealingLifecycle.Transition("rollback");
        Assert.False(test.Store.MoveAction(action.Id, rollback.From, rollback.To).Moved);
        Assert.Null(test.Store.MoveAction("act-missing", from, to).Action);
    }

    [Fact]
    public async Task Issue_SameFingerprint_CountsOccurrences()
    {
        using var test = await OpenAsync();
        var first = test.Store.UpsertIssue("orders/backend/degraded", "orders", ["orders"], "degradation", "warning", "5% errors");
        test.Time.Advance(TimeSpan.FromMinutes(1));
        var again = test.Store.UpsertIssue("orders/backend/degraded", "orders", ["orders", "payments"], "degradation", "critical", "30% errors");

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(2, again.Occurrences);
        Assert.Equal("critical", again.Severity);
        Assert.Equal(["orders", "payments"], again.Services);
        Assert.True(again.LastSeen > first.FirstSeen);
    }

    [Fact]
    public async Task OpenIssues_AreTheOpenThenTheMitigated_NeverTheResolved()
    {
        using var test = await OpenAsync();
        var mitigated = test.Store.UpsertIssue("a/orders/k/1", "orders", ["orders"], "k", "warning", "one");
        test.Time.Advance(TimeSpan.FromMinutes(1));
        var resolved = test.Store.UpsertIssue("a/orders/k/2", "orders", ["orders"], "k", "warning", "two");
        var open = test.Store.UpsertIssue("a/orders/k/3", "orders", ["orders"], "k", "warning", "three");
        var elsewhere = test.Store.UpsertIssue("a/billing/k/4", "billing", ["billing"], "k", "warning", "four");
        test.Time.Advance(TimeSpan.FromMinutes(1));
        test.Store.UpsertIssue("a/orders/k/1", "orders", ["orders"], "k", "warning", "one again");
        test.Store.SetIssueState(mitigated.Id, IssueState.Mitigated);
        test.Store.SetIssueState(resolved.Id, IssueState.Resolved);

        Assert.Equal([open.Id, mitigated.Id], test.Store.OpenIssues("orders").Select(i => i.Id));
        Assert.Equal("mitigated", test.Store.Issue(mitigated.Id)!.State);
        Assert.Contains(test.Store.OpenIssues(), i => i.Id == elsewhere.Id);
    }
}

/// <summary><see cref="MeshStoreTests"/> on SQLite.</summary>
public sealed class SqliteMeshStoreTests : MeshStoreTests
{
    private protected override Task<TestStore> OpenAsync() => Task.FromResult(new TestStore());
}

/// <summary><see cref="MeshStoreTests"/> on PostgreSQL, a fresh database per test.</summary>
public sealed class PostgresMeshStoreTests(PostgresFixture postgres) : MeshStoreTests, IClassFixture<PostgresFixture>
{
    private protected override Task<TestStore> OpenAsync() => postgres.StoreAsync();
}
