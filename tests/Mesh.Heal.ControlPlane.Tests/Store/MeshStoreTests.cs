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
        Assert.Equal(5, test.Store.SchemaVersion);
        test.Store.AddPolicy("orders", "{}", "service: orders", "api", "alice");
        test.Store.SidecarConnected("orders", "orders-1", "zone-a", "1.0", "c1");
        test.Store.RecordAnswers([new PolicyAnswer("orders", "orders-1", 1, "n1", null, test.Time.GetUtcNow())]);
        test.Store.Audit("alice", "policy.changed", "orders", "version 1", "source api");

        using var reopened = test.Reopen();

        Assert.Equal(5, reopened.Store.SchemaVersion);
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

    [Fact]
    public async Task RecordAnswers_ManyInOneBatch_EachSidecarEndsAsIfTheyWereAppliedInOrder()
    {
        using var test = await OpenAsync();
        test.Store.SidecarConnected("orders", "orders-1", "", "1.0", "c1");
        test.Store.SidecarConnected("orders", "orders-2", "", "1.0", "c2");
        test.Store.SidecarConnected("billing", "billing-1", "", "1.0", "c3");
        var t0 = test.Time.GetUtcNow();

        test.Store.RecordAnswers(
        [
            new PolicyAnswer("orders", "orders-1", 1, "n1", null, t0.AddSeconds(1)),
            new PolicyAnswer("orders", "orders-2", 1, "n1", "bad", t0.AddSeconds(2)),
            new PolicyAnswer("orders", "orders-1", 2, "n2", "no cluster", t0.AddSeconds(3)),
            new PolicyAnswer("billing", "billing-1", 7, "n7", null, t0.AddSeconds(4)),
            new PolicyAnswer("orders", "orders-1", 3, "n3", null, t0.AddSeconds(5)),
            new PolicyAnswer("nowhere", "ghost", 1, "n1", null, t0.AddSeconds(6)),
        ]);

        var sidecars = test.Store.Sidecars().ToDictionary(s => s.Instance);
        Assert.Equal((3L, (long?)2, "no cluster", t0.AddSeconds(5)), (sidecars["orders-1"].AckedVersion, sidecars["orders-1"].NackVersion, sidecars["orders-1"].NackError, sidecars["orders-1"].LastSeen));
        Assert.Equal(t0.AddSeconds(5), sidecars["orders-1"].AckedAt);
        Assert.Equal((0L, (long?)1, "bad", t0.AddSeconds(2)), (sidecars["orders-2"].AckedVersion, sidecars["orders-2"].NackVersion, sidecars["orders-2"].NackError, sidecars["orders-2"].LastSeen));
        Assert.Equal((7L, (long?)null, t0.AddSeconds(4)), (sidecars["billing-1"].AckedVersion, sidecars["billing-1"].NackVersion, sidecars["billing-1"].LastSeen));
        Assert.Equal(3, sidecars.Count);
        Assert.Equal([(3L, "n3", true), (2L, "n2", false), (1L, "n1", true)], test.Store.AckHistory("orders", "orders-1").Select(a => (a.Version, a.Nonce, a.Ack)));
        Assert.Equal("no cluster", test.Store.AckHistory("orders", "orders-1")[1].Error);
        Assert.Single(test.Store.AckHistory("nowhere", "ghost"));
    }

    [Fact]
    public async Task Helpers_NullParameter_IsANullOnEitherDatabase()
    {
        using var test = await OpenAsync();
        test.Store.Audit("alice", "policy.changed", "orders", "version 1", "");

        var all = test.Store.Query("SELECT actor FROM audit_log WHERE @s IS NULL OR service = @s", r => r.GetString(0), ("@s", null));
        var none = test.Store.Scalar("SELECT COUNT(*) FROM audit_log WHERE service = @s", ("@s", null));
        test.Store.Execute("INSERT INTO services (name, created_at) VALUES (@n, @t)", ("@n", "billing"), ("@t", 1L));

        Assert.Equal(["alice"], all);
        Assert.Equal(0L, Convert.ToInt64(none, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(test.Store.Scalar("SELECT name FROM services WHERE name = @n", ("@n", "nowhere")));
        Assert.Null(test.Store.Scalar("SELECT CAST(@n AS BIGINT)", ("@n", null)));
        Assert.Equal(1, test.Store.Execute("UPDATE services SET created_at = COALESCE(CAST(@n AS BIGINT), 2) WHERE name = 'billing'", ("@n", null)));
        Assert.Equal(["billing"], test.Store.Services());
    }

    [Fact]
    public async Task InTransaction_BodyThrows_NothingItWroteStays()
    {
        using var test = await OpenAsync();

        Assert.Throws<InvalidOperationException>(() => test.Store.InTransaction<int>(() =>
        {
            test.Store.AddPolicy("orders", "{}", "service: orders", "api", "alice");
            test.Store.Execute("INSERT INTO leases (name, holder, epoch, expires_at, acquired_at) VALUES ('coordinator', @h, 1, 0, 0)", ("@h", test.Store.ReplicaId));
            throw new InvalidOperationException("the body failed");
        }));

        Assert.Null(test.Store.Policy("orders"));
        Assert.Equal(0L, Convert.ToInt64(test.Store.Scalar("SELECT COUNT(*) FROM leases"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, test.Store.AddPolicy("orders", "{}", "service: orders", "api", "alice").Version);
    }

    [Fact]
    public async Task SidecarConnected_NamesThisReplicaAsTheStreamsHolder()
    {
        using var test = await OpenAsync();
        test.Store.SidecarConnected("orders", "orders-1", "", "1.0", "c1");

        var replica = test.Store.Query("SELECT replica FROM sidecars WHERE instance = 'orders-1'", r => r.GetString(0));

        Assert.Equal([test.Store.ReplicaId], replica);
        Assert.Equal(test.Provider, test.Store.Provider);
    }

    [Fact]
    public async Task SidecarConnected_InATransactionRolledBack_LeavesNoServiceBehind_AndTheNextConnectAddsIt()
    {
        using var test = await OpenAsync();

        Assert.Throws<InvalidOperationException>(() => test.Store.InTransaction<int>(() =>
        {
            test.Store.SidecarConnected("orders", "orders-1", "", "1.0", "c1");
            throw new InvalidOperationException("rolled back");
        }));
        Assert.Empty(test.Store.Services());
        test.Store.SidecarConnected("orders", "orders-1", "", "1.0", "c2");
        test.Store.SidecarConnected("orders", "orders-2", "", "1.0", "c3");

        Assert.Equal(["orders"], test.Store.Services());
        Assert.Equal(["orders-1", "orders-2"], test.Store.Sidecars("orders").Select(s => s.Instance));
    }

    [Fact]
    public async Task Schema_HasTheTablesReplicasShare()
    {
        using var test = await OpenAsync();
        test.Store.Execute(
            "INSERT INTO replicas (id, started_at, heartbeat_at) VALUES (@id, 1, 2)", ("@id", test.Store.ReplicaId));
        test.Store.Execute(
            "INSERT INTO telemetry_inbox (replica, service, instance, received_at, report) VALUES (@r, 'orders', 'orders-1', 5, @b)",
            ("@r", test.Store.ReplicaId), ("@b", new byte[] { 1, 2, 3 }));

        var report = test.Store.Query("SELECT id, report FROM telemetry_inbox", r => (r.GetInt64(0), (byte[])r.GetValue(1)));
        var lastRun = test.Store.Scalar("SELECT last_run_at FROM replicas WHERE id = @id", ("@id", test.Store.ReplicaId));

        Assert.Equal(new byte[] { 1, 2, 3 }, Assert.Single(report).Item2);
        Assert.Equal(0L, Convert.ToInt64(lastRun, System.Globalization.CultureInfo.InvariantCulture));
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
