using Mesh.Heal.ControlPlane.Replication;

namespace Mesh.Heal.ControlPlane.Tests.Replication;

/// <summary>The coordinator lease on PostgreSQL, where expiry is the database's clock: several replicas, one leader, fenced writes.</summary>
public sealed class PostgresElectionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly HaOptions Short = new() { LeaseDuration = TimeSpan.FromMilliseconds(600), RenewInterval = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public async Task Flow_OneLeader_TakeoverAfterExpiryOnTheDatabaseClock_OldTermsWritesRefused_ReleaseGivesImmediateTakeover()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var a = new ReplicaStack(database, "a", ha: Short);
        await using var b = new ReplicaStack(database, "b", ha: Short);
        await using var c = new ReplicaStack(database, "c", ha: Short);
        a.Election.Tick();
        b.Election.Tick();
        c.Election.Tick();
        var termA = a.Election.Current!;
        Assert.Equal(1, termA.Epoch);
        Assert.Null(b.Election.Current);
        Assert.Null(c.Election.Current);
        using (Fence.Enter(termA))
        {
            a.Store.Audit("coordinator", "test.fenced", "svc", "a1", "while a leads");
        }

        // a stops renewing (paused or partitioned): once the lease expires by the database's clock, b takes it with the next epoch.
        await Testing.Wait.UntilAsync(
            () =>
            {
                b.Election.Tick();
                return b.Election.Current is not null;
            },
            "b taking the expired lease", TimeSpan.FromSeconds(10));
        var termB = b.Election.Current!;
        Assert.Equal(2, termB.Epoch);

        using (Fence.Enter(termA))
        {
            Assert.Throws<LeadershipLostException>(() => a.Store.Audit("coordinator", "test.fenced", "svc", "a2", "after the takeover"));
        }

        using (Fence.Enter(termB))
        {
            b.Store.Audit("coordinator", "test.fenced", "svc", "b1", "b leads");
        }

        Assert.Equal(["a1", "b1"], a.Store.AuditLog("svc", 10).Select(e => e.Subject).Order(StringComparer.Ordinal));

        // b stops gracefully: it releases the lease, and c takes it at its next tick, without waiting for an expiry.
        await b.Election.StopAsync(CancellationToken.None);
        c.Election.Tick();
        Assert.Equal(3, c.Election.Current?.Epoch);
        a.Election.Tick();
        Assert.Null(a.Election.Current);
        Assert.True(termA.IsLost);
    }

    [Fact]
    public async Task TryAcquireLease_HeldByAnother_ReturnsNull_WithTheTimeItHasLeftByTheDatabaseClock()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var a = new ReplicaStack(database, "a", ha: Short);
        await using var b = new ReplicaStack(database, "b", ha: Short);

        Assert.Equal(1, a.Store.TryAcquireLease("test", "a", TimeSpan.FromMinutes(10), out var mine));
        Assert.Equal(TimeSpan.Zero, mine);
        Assert.Null(b.Store.TryAcquireLease("test", "b", TimeSpan.FromMinutes(10), out var left));

        // Read in the same statement as the refused upsert: what is left of a's ten minutes, a little less for the time between the two.
        Assert.InRange(left, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }
}
