using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Store.Internal;
using Microsoft.Data.Sqlite;

namespace Mesh.Heal.ControlPlane.Tests.Store;

/// <summary>An existing SQLite file from before the replica tables is upgraded in place, keeping its data.</summary>
public class SqliteMigrationTests
{
    [Fact]
    public void Open_FileAtSchemaVersion2_MigratesToTheLatest_KeepingItsRows()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("meshheal-store-").FullName, "cp.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = SqliteMigrations.All[0] + ";" + SqliteMigrations.All[1] + """
                ;
                INSERT INTO services (name, created_at) VALUES ('orders', 1);
                INSERT INTO sidecars (service, instance, connected, connection_id, first_seen, last_seen) VALUES ('orders', 'orders-1', 1, 'c1', 1, 1);
                INSERT INTO policy_versions (service, version, policy_json, document, source, author, created_at) VALUES ('orders', 4, '{}', 'd', 'api', 'alice', 1);
                PRAGMA user_version = 2;
                """;
            command.ExecuteNonQuery();
        }

        using var store = new MeshStore(path, TimeProvider.System);

        Assert.Equal(SqliteMigrations.All.Length, store.SchemaVersion);
        Assert.Equal(4, store.Policy("orders")!.Version);
        Assert.False(Assert.Single(store.Sidecars()).Connected);
        Assert.Equal([""], store.Query("SELECT replica FROM sidecars", r => r.GetString(0)));
        Assert.Equal(5, store.AddPolicy("orders", "{}", "d", "api", "alice").Version);
    }
}
