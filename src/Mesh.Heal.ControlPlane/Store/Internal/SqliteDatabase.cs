using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Mesh.Heal.ControlPlane.Store.Internal;

/// <summary>One SQLite file: one connection in WAL mode, used under one lock, since a single writer is what SQLite wants anyway.</summary>
internal sealed class SqliteDatabase : StoreDatabase
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    public SqliteDatabase(string path)
    {
        FilePath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = FilePath, Pooling = false }.ToString());
        _connection.Open();
        using var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;";
        command.ExecuteNonQuery();
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    public override StoreProvider Provider => StoreProvider.Sqlite;

    public override string Description => "SQLite " + FilePath;

    public override string Greatest => "MAX";

    public override bool SupportsArrays => false;

    public override string ForUpdate => "";

    public override T Run<T>(Func<DbConnection, T> body)
    {
        lock (_lock)
        {
            return body(_connection);
        }
    }

    public override T InTransaction<T>(Func<DbConnection, DbTransaction, T> body)
    {
        lock (_lock)
        {
            using var tx = _connection.BeginTransaction();
            var result = body(_connection, tx);
            tx.Commit();
            return result;
        }
    }

    public override void Migrate()
    {
        var applied = SchemaVersion();
        for (var i = applied; i < SqliteMigrations.All.Length; i++)
        {
            var version = i + 1;
            InTransaction((connection, tx) =>
            {
                using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = SqliteMigrations.All[version - 1] + $"; PRAGMA user_version = {version.ToString(CultureInfo.InvariantCulture)};";
                return command.ExecuteNonQuery();
            });
        }
    }

    public override int SchemaVersion() => Run(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (int)(long)command.ExecuteScalar()!;
    });

    public override void Check() => Run(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version; BEGIN IMMEDIATE; ROLLBACK;";
        return command.ExecuteNonQuery();
    });

    public override DbParameter Parameter(string name, object? value) => new SqliteParameter(name, value ?? DBNull.Value);

    /// <summary>Closes the connection once no call is using it: a background writer still in a transaction when the host
    /// is disposed finishes it first, instead of having the connection closed under it.</summary>
    public override void Dispose()
    {
        lock (_lock)
        {
            _connection.Dispose();
        }
    }
}
