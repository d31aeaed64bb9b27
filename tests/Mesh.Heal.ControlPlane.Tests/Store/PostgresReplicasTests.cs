using System.Globalization;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Store.Internal;
using Npgsql;

namespace Mesh.Heal.ControlPlane.Tests.Store;

/// <summary>Several replicas' stores on one PostgreSQL database, writing at once: what a single SQLite writer never meets.</summary>
public sealed class PostgresReplicasTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task AddPolicy_ThreeReplicasAtOnce_VersionsRunOneToNPerService_NoGapNoDuplicate()
    {
        using var first = await postgres.StoreAsync();
        using var second = first.Replica();
        using var third = first.Replica();
        const int PerReplicaAndService = 25;
        string[] services = ["orders", "billing"];

        var start = new Barrier(6);
        var writers = new[] { first, second, third }.SelectMany(test => services.Select(service => AtOnce(start, () =>
        {
            var versions = new List<long>();
            for (var i = 0; i < PerReplicaAndService; i++)
            {
                versions.Add(test.Store.AddPolicy(service, "{}", $"service: {service}", "api", test.Store.ReplicaId).Version);
            }

            return (Service: service, Versions: versions);
        }))).ToArray();
        var written = await Task.WhenAll(writers);

        foreach (var service in services)
        {
            var returned = written.Where(w => w.Service == service).SelectMany(w => w.Versions).Order().ToList();
            var stored = first.Store.Query("SELECT version FROM policy_versions WHERE service = @s ORDER BY version", r => r.GetInt64(0), ("@s", service));
            var expected = Enumerable.Range(1, 3 * PerReplicaAndService).Select(v => (long)v).ToList();
            Assert.Equal(expected, returned);
            Assert.Equal(expected, stored);
            Assert.Equal(3 * PerReplicaAndService, second.Store.Policy(service)!.Version);
        }

        // Each writer saw its own versions increase.
        Assert.All(written, w => Assert.Equal(w.Versions.Order(), w.Versions));
    }

    [Fact]
    public async Task AddRollups_TwoReplicasFlushTheSameBuckets_CountsAddUpExactly()
    {
        using var first = await postgres.StoreAsync();
        using var second = first.Replica();
        const int Flushes = 40;
        var bucket = first.Time.GetUtcNow().AddSeconds(-first.Time.GetUtcNow().ToUnixTimeSeconds() % 10);
        TelemetryRollup Row(string cluster) => new(
            "orders", cluster, TimeSpan.FromSeconds(10), bucket, Requests: 3, Success: 2, ServerErrors: 1, Timeouts: 0, TransportErrors: 0, Slow: 0,
            Rejected: 0, Fallbacks: 0, Retries: 0, CallerFailures: 1, LatencySumMs: 1.5, LatencyCounts: [1, 2], Reports: 1);
        ResourceRollup Sample(long workingSet) => new(
            "orders", "orders-1", "sidecar", TimeSpan.FromSeconds(10), bucket, 1, workingSet, 10, 5, 7, 3, 1000, 100);

        // Both touch both clusters, listed in opposite orders, so rows are locked crosswise unless the store orders them.
        var start = new Barrier(2);
        var flushes = new[] { (first, new[] { "a", "b" }), (second, new[] { "b", "a" }) }.Select(w => AtOnce(start, () =>
        {
            for (var i = 0; i < Flushes; i++)
            {
                w.Item1.Store.AddRollups([.. w.Item2.Select(Row)], [Sample(100 + i)]);
            }

            return 0;
        }));
        await Task.WhenAll(flushes);

        var rows = first.Store.Rollups("orders", TimeSpan.FromSeconds(10), bucket, bucket.AddSeconds(10));
        Assert.Equal(["a", "b"], rows.Select(r => r.Cluster));
        Assert.All(rows, r =>
        {
            Assert.Equal(2 * Flushes * 3, r.Requests);
            Assert.Equal(2 * Flushes * 2, r.Success);
            Assert.Equal(2 * Flushes, r.Reports);
            Assert.Equal(2 * Flushes * 1.5, r.LatencySumMs, 6);
            Assert.Equal([2 * Flushes * 1L, 2 * Flushes * 2L], r.LatencyCounts);
        });
        var resource = Assert.Single(first.Store.ResourceRollups("orders", TimeSpan.FromSeconds(10), bucket, bucket.AddSeconds(10)));
        Assert.Equal(2 * Flushes, resource.Samples);
        Assert.Equal(100 + Flushes - 1, resource.WorkingSetMax);
    }

    [Fact]
    public async Task Open_ThreeStoresAtOnceOnAnEmptyDatabase_EachMigrationRunsOnce()
    {
        var connection = await postgres.Server.CreateDatabaseAsync();

        var start = new Barrier(3);
        var stores = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => AtOnce(start, () => TestStore.Postgres(connection))));
        try
        {
            Assert.All(stores, s => Assert.Equal(PostgresMigrations.All.Length, s.Store.SchemaVersion));
            var applied = stores[0].Store.Query("SELECT version FROM schema_migrations ORDER BY version", r => r.GetInt32(0));
            Assert.Equal(Enumerable.Range(1, PostgresMigrations.All.Length), applied);
        }
        finally
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }
        }
    }

    [Fact]
    public async Task Open_MarksDisconnectedOnlyTheSidecarsOfThisReplica()
    {
        using var mine = await postgres.StoreAsync(replicaId: "replica-a");
        using var theirs = mine.Replica("replica-b");
        mine.Store.SidecarConnected("orders", "orders-1", "", "1.0", "c1");
        theirs.Store.SidecarConnected("orders", "orders-2", "", "1.0", "c2");

        using var restarted = mine.Reopen();

        var connected = restarted.Store.Sidecars("orders").ToDictionary(s => s.Instance, s => s.Connected);
        Assert.False(connected["orders-1"]);
        Assert.True(connected["orders-2"]);
        Assert.Equal("replica-a", restarted.Store.ReplicaId);
    }

    [Fact]
    public async Task AddPolicy_IsAnnouncedOnTheChannel_WithTheServiceAsPayload()
    {
        using var test = await postgres.StoreAsync();
        await using var listener = new NpgsqlConnection(test.Store.ConnectionString);
        await listener.OpenAsync();
        var heard = new List<string>();
        listener.Notification += (_, e) =>
        {
            lock (heard)
            {
                heard.Add($"{e.Channel}:{e.Payload}");
            }
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {PostgresMigrations.PolicyChannel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        using var other = test.Replica();
        other.Store.AddPolicy("orders", "{}", "service: orders", "api", "alice");

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await listener.WaitAsync(wait.Token);
        lock (heard)
        {
            Assert.Equal(["meshheal_policy:orders"], heard);
        }
    }

    [Fact]
    public async Task MoveAction_TwoReplicasApproveAtOnce_ExactlyOneMovesIt()
    {
        using var first = await postgres.StoreAsync();
        using var second = first.Replica();
        var actions = Enumerable.Range(0, 20)
            .Select(i => first.Store.AddAction(null, "orders", "circuit-breaker", "fallback.activate", $"a{i}", "medium", automatic: false, dryRun: false, "", ""))
            .ToList();
        var (from, to) = Mesh.Heal.ControlPlane.Healing.HealingLifecycle.Transition("approve");

        var start = new Barrier(2);
        var moves = await Task.WhenAll(new[] { first, second }.Select(test => AtOnce(start, () =>
            actions.Select(a => test.Store.MoveAction(a.Id, from, to).Moved).ToList())));

        for (var i = 0; i < actions.Count; i++)
        {
            Assert.True(moves[0][i] ^ moves[1][i], string.Create(CultureInfo.InvariantCulture, $"action {i}: {moves[0][i]} and {moves[1][i]}"));
        }
    }

    // Each writer on a thread of its own, all released together, so they really overlap on two cores.
    private static Task<T> AtOnce<T>(Barrier start, Func<T> body) => Task.Factory.StartNew(
        () =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            return body();
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);
}
