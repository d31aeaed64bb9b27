using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Replication;
using Mesh.Heal.Testing;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Mesh.Heal.ControlPlane.Tests.Replication;

/// <summary>Two replicas' policy stacks on one PostgreSQL database: a version written through one reaches the other's sidecars.</summary>
public sealed class PolicyFeedTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static string Doc(int seconds) => $"service: orders\nclusters: {{ backend: {{ timeout: {seconds}s }} }}\n";

    [Fact]
    public async Task Submit_ThroughOneReplica_ReachesASessionOnTheOther()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var a = new ReplicaStack(database, "a");
        await using var b = new ReplicaStack(database, "b");
        await b.Feed.StartAsync(CancellationToken.None);
        await Wait.UntilAsync(() => b.Policies.FeedLive, "b's feed listening");
        var session = b.Distributor.Register("orders", "orders-1", "token", out _, out _)!;

        var stored = a.Policies.Submit(Doc(2), null, "api", "alice").Stored!;

        var offered = await Offered(session, stored.Version);
        Assert.Equal(stored.Version, offered.Version);
        Assert.Equal(stored.Version, b.Policies.Latest("orders")!.Version);
        Assert.True(b.Feed.Notifications >= 1);
    }

    [Fact]
    public async Task Feed_NotificationLostWhileItsConnectionWasDown_IsCaughtUpAtTheReconnect_AndNewStreamsReadTheStoreMeanwhile()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        var backoffClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = new ReplicaStack(database, "a");
        await using var b = new ReplicaStack(database, "b", backoffClock, new HaOptions { PollInterval = TimeSpan.FromMinutes(10) });
        a.Policies.Submit(Doc(1), null, "api", "alice");
        await b.Feed.StartAsync(CancellationToken.None);
        await Wait.UntilAsync(() => b.Policies.Latest("orders")?.Version == 1 && b.Policies.FeedLive, "b's feed caught up on version 1");
        var session = b.Distributor.Register("orders", "orders-1", "token", out _, out _)!;
        await Offered(session, 1);

        // The server drops b's LISTEN connection; b waits out its backoff (on a clock that stands still) while a writes version 2.
        await DropListenerAsync(database);
        await Wait.UntilAsync(() => !b.Policies.FeedLive, "b's feed noticing it is disconnected");
        Assert.Equal(2, a.Policies.Submit(Doc(2), null, "api", "alice").Stored!.Version);
        Assert.Equal(1, b.Policies.Latest("orders")!.Version);

        var caughtUp = 0;
        b.Feed.CaughtUp += () => Interlocked.Increment(ref caughtUp);
        await Wait.UntilAsync(
            () =>
            {
                backoffClock.Advance(TimeSpan.FromSeconds(1));
                return Volatile.Read(ref caughtUp) > 0 && b.Policies.FeedLive;
            },
            "b's feed reconnected after its backoff and caught up");
        Assert.Equal(2, (await Offered(session, 2)).Version);

        // Down again: a stream that opens meanwhile is never offered less than the store has.
        await DropListenerAsync(database);
        await Wait.UntilAsync(() => !b.Policies.FeedLive, "b's feed noticing it is disconnected again");
        Assert.Equal(3, a.Policies.Submit(Doc(3), null, "api", "alice").Stored!.Version);
        var late = b.Distributor.Register("orders", "orders-2", "token", out _, out _)!;
        Assert.True(late.Pending.TryRead(out var first));
        Assert.Equal(3, first.Version);
    }

    private static async Task DropListenerAsync(string database)
    {
        await using var admin = new NpgsqlConnection(database);
        await admin.OpenAsync();
        await using var kill = new NpgsqlCommand(
            $"SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN {PolicyFeed.Channel}'", admin);
        Assert.Equal(1L, await kill.ExecuteScalarAsync());
    }

    private static async Task<PolicySnapshotData> Offered(PolicySession session, long version) =>
        await Wait.UntilAsync(
            () => Task.FromResult(session.Pending.TryRead(out var offered) ? offered : null),
            offered => offered is not null && offered.Version >= version,
            $"{session.Instance} offered version {version}") ?? throw new InvalidOperationException("unreachable");
}
