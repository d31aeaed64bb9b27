using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Store.Internal;
using Mesh.Heal.ControlPlane.Telemetry;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Mesh.Heal.ControlPlane.Tests.Store;

/// <summary>The replica history table (schema version 4): an existing version 3 database upgrades to it, samples merge per
/// minute, and it is pruned with the per-minute rollups. Runs once per database (the two subclasses at the end of the file).</summary>
public abstract class ReplicaHistoryStoreTests
{
    private static readonly DateTimeOffset Minute = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private protected abstract Task<TestStore> OpenAsync();

    /// <summary>A database at schema version 3 (before replica history) with a service, a sidecar and a policy, opened as a store.</summary>
    private protected abstract Task<TestStore> OpenVersion3Async();

    [Fact]
    public async Task Open_DatabaseAtSchemaVersion3_MigratesTo4_KeepingItsRows_AndKeepsReplicaHistory()
    {
        using var test = await OpenVersion3Async();

        Assert.Equal(5, test.Store.SchemaVersion);
        Assert.Equal(3, test.Store.Policy("orders")!.Version);
        Assert.Equal("orders-1", Assert.Single(test.Store.Sidecars()).Instance);
        test.Store.AddReplicaSamples([new ReplicaMinute("orders", Minute, 3, "sidecars", null, null, "")]);
        Assert.Equal(3, Assert.Single(test.Store.ReplicaHistory(Minute, Minute.AddMinutes(1))).Replicas);
    }

    [Fact]
    public async Task AddReplicaSamples_SameMinute_KeepsTheMostReplicas_AndTheLastRecommendationGiven()
    {
        using var test = await OpenAsync();
        var store = test.Store;

        store.AddReplicaSamples([new ReplicaMinute("orders", Minute.AddSeconds(5), 2, "sidecars", 3, 50, "capacity planner: configured")]);
        store.AddReplicaSamples([new ReplicaMinute("orders", Minute.AddSeconds(20), 4, "hpa", null, null, "")]);
        store.AddReplicaSamples([new ReplicaMinute("orders", Minute.AddSeconds(40), 1, "sidecars", 5, 40, "capacity planner: measured")]);
        store.AddReplicaSamples([new ReplicaMinute("orders", Minute.AddSeconds(65), 1, "sidecars", null, null, "")]);

        var rows = store.ReplicaHistory(Minute, Minute.AddMinutes(2));
        Assert.Equal(
            [new ReplicaMinute("orders", Minute, 4, "hpa", 5, 40, "capacity planner: measured"), new ReplicaMinute("orders", Minute.AddMinutes(1), 1, "sidecars", null, null, "")],
            rows);
        Assert.Equal(5, Assert.Single(store.RecommendationsBefore(Minute.AddMinutes(5))).RecommendedReplicas);
        Assert.Empty(store.RecommendationsBefore(Minute));
    }

    [Fact]
    public async Task PruneRollups_DeletesReplicaHistoryOlderThanThePerMinuteRollupsRetention()
    {
        using var test = await OpenAsync();
        var now = test.Time.GetUtcNow();
        var minuteRetention = TelemetryAggregator.Resolutions.Single(r => r.Resolution == TimeSpan.FromMinutes(1)).Retention;
        var old = now - minuteRetention - TimeSpan.FromMinutes(2);
        var kept = now - minuteRetention + TimeSpan.FromMinutes(2);
        test.Store.AddReplicaSamples(
            [new ReplicaMinute("orders", old, 2, "sidecars", null, null, ""), new ReplicaMinute("orders", kept, 2, "sidecars", null, null, "")]);

        test.Store.PruneRollups(now, TelemetryAggregator.Resolutions);

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(kept.ToUnixTimeSeconds() / 60 * 60), Assert.Single(test.Store.ReplicaHistory(old.AddDays(-1), now)).Minute);
    }

    private protected const string Version3Rows = """
        INSERT INTO services (name, created_at) VALUES ('orders', 1);
        INSERT INTO sidecars (service, instance, connected, connection_id, first_seen, last_seen, replica) VALUES ('orders', 'orders-1', 1, 'c1', 1, 1, 'r');
        INSERT INTO policy_versions (service, version, policy_json, document, source, author, created_at) VALUES ('orders', 3, '{}', 'd', 'api', 'alice', 1);
        """;
}

/// <summary><see cref="ReplicaHistoryStoreTests"/> on SQLite.</summary>
public sealed class SqliteReplicaHistoryStoreTests : ReplicaHistoryStoreTests
{
    private protected override Task<TestStore> OpenAsync() => Task.FromResult(new TestStore());

    private protected override Task<TestStore> OpenVersion3Async()
    {
        var directory = Directory.CreateTempSubdirectory("meshheal-store-").FullName;
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "cp.db")};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = string.Join(";\n", SqliteMigrations.All.Take(3)) + ";\n" + Version3Rows + "PRAGMA user_version = 3;";
            command.ExecuteNonQuery();
        }

        return Task.FromResult(new TestStore(directory: directory));
    }
}

/// <summary><see cref="ReplicaHistoryStoreTests"/> on PostgreSQL, a fresh database per test.</summary>
public sealed class PostgresReplicaHistoryStoreTests(PostgresFixture postgres) : ReplicaHistoryStoreTests, IClassFixture<PostgresFixture>
{
    private protected override Task<TestStore> OpenAsync() => postgres.StoreAsync();

    private protected override async Task<TestStore> OpenVersion3Async()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            var sql = "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL);\n"
                + string.Join("\n", PostgresMigrations.All.Take(3)) + "\n" + Version3Rows
                + "INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1), (2, 1), (3, 1);";
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        return TestStore.Postgres(connectionString);
    }
}
