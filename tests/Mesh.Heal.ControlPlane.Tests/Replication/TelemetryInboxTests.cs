using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Tests.Replication;

/// <summary>Telemetry accepted by any replica reaches the leader's view through the store's inbox (PostgreSQL).</summary>
public sealed class TelemetryInboxTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Report_AcceptedByAFollower_ChangesTheLeadersView_AndIsNotCountedTwiceInTheRollups()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var a = new ReplicaStack(database, "a");
        await using var b = new ReplicaStack(database, "b");
        a.Election.Tick();
        b.Election.Tick();
        Assert.NotNull(a.Election.Current);
        var changed = new List<(string, string)>();
        a.Telemetry.StateChanged += (service, instance) => changed.Add((service, instance));

        Assert.True(b.Telemetry.Add("shop", "shop-1", Report(Wire.HealthState.Healthy, failures: 0)));
        Assert.True(b.Telemetry.Add("shop", "shop-1", Report(Wire.HealthState.Degraded, failures: 30)));
        b.Inbox.Flush();
        b.Inbox.Read();
        a.Inbox.Read();

        Assert.Equal(2, a.Inbox.Forwarded);
        Assert.Equal(0, b.Inbox.Forwarded);
        var live = a.Telemetry.Live("shop", "shop-1");
        Assert.NotNull(live);
        Assert.Equal(Health.HealthState.Degraded, live.Clusters["backend"].Item1);
        Assert.Equal([("shop", "shop-1")], changed);
        var window = Assert.Single(a.Telemetry.Window(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal((80L, 30L), (window.Counts.Requests, window.Counts.CallerFailures));

        // The rollups are b's to flush: the leader adds none of its own for forwarded reports.
        Assert.Empty(a.Telemetry.Drain().Rollups);
        Assert.Equal(80, b.Telemetry.Drain().Rollups.Where(r => r.Resolution == TimeSpan.FromSeconds(1)).Sum(r => r.Requests));

        // Read again: nothing is taken twice.
        a.Inbox.Read();
        Assert.Equal(2, a.Inbox.Forwarded);
    }

    [Fact]
    public async Task NewLeader_ReplaysTheRecentInbox_AtOnce_AndDropsMalformedRows()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var a = new ReplicaStack(database, "a");
        await using var b = new ReplicaStack(database, "b");
        a.Election.Tick();
        Assert.True(a.Telemetry.Add("shop", "shop-1", Report(Wire.HealthState.Degraded, failures: 10)));
        a.Inbox.Flush();
        a.Store.Execute(
            "INSERT INTO telemetry_inbox (replica, service, instance, received_at, report) VALUES ('c', 'shop', 'shop-9', @t, @b)",
            ("@t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), ("@b", new byte[] { 0xff, 0xff, 0xff }));

        // a stops: it releases the lease, and b takes it at its next tick.
        await a.Election.StopAsync(CancellationToken.None);
        b.Election.Tick();
        Assert.NotNull(b.Election.Current);
        b.Inbox.Read();

        Assert.Equal(Health.HealthState.Degraded, b.Telemetry.Live("shop", "shop-1")?.Clusters["backend"].Item1);
        Assert.Null(b.Telemetry.Live("shop", "shop-9"));
        Assert.Equal(1, b.Inbox.Malformed);
    }

    [Fact]
    public async Task Flush_ReportsOfManySidecars_GoInOneBatch_AndAllReachTheLeader()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var a = new ReplicaStack(database, "a");
        await using var b = new ReplicaStack(database, "b");
        a.Election.Tick();
        for (var i = 0; i < 1200; i++)
        {
            Assert.True(b.Telemetry.Add("shop", "shop-" + i, Report(Wire.HealthState.Healthy, failures: 0)));
        }

        b.Inbox.Flush();
        a.Inbox.Read();

        Assert.Equal(1200, a.Inbox.Forwarded);
        Assert.Equal(1200, a.Telemetry.InstanceCount);
        await Task.CompletedTask;
    }

    private static Wire.SidecarReport Report(Wire.HealthState health, long failures)
    {
        var report = new Wire.SidecarReport();
        report.Clusters.Add(new Wire.ClusterReport
        {
            Cluster = "backend", Requests = 40, Success = 40 - failures, ServerErrors = failures, CallerFailures = failures, Health = health, Breaker = Wire.BreakerState.Closed,
        });
        return report;
    }
}
