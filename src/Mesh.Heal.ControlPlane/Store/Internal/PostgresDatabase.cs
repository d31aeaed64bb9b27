using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Mesh.Heal.ControlPlane.Store.Internal;

/// <summary>A PostgreSQL database shared by several replicas: a pooled <see cref="NpgsqlDataSource"/>, a connection per
/// call or per transaction, migrations serialised across processes by an advisory lock.</summary>
internal sealed class PostgresDatabase : StoreDatabase
{
    private const int MaxAttempts = 5;
    private readonly NpgsqlDataSource _source;

    /// <summary>Connections a replica's pool opens at most unless the connection string says otherwise.</summary>
    /// <remarks>Npgsql's own default, 100, is PostgreSQL's whole default <c>max_connections</c>: three replicas under a
    /// reconnect storm would take more than the server has. Calls are short, so a few connections serve thousands of streams.</remarks>
    public const int DefaultMaxPoolSize = 20;

    public PostgresDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Maximum Pool Size") && !given.ContainsKey("MaxPoolSize"))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }

        ConnectionString = builder.ConnectionString;
        Description = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        _source = NpgsqlDataSource.Create(builder);
    }

    /// <summary>The connection string, for a connection of its own (LISTEN).</summary>
    public string ConnectionString { get; }

    public override StoreProvider Provider => StoreProvider.Postgres;

    public override string Description { get; }

    public override string Greatest => "GREATEST";

    public override bool SupportsArrays => true;

    public override string ForUpdate => " FOR UPDATE";

    public override T Run<T>(Func<DbConnection, T> body)
    {
        try
        {
            using var connection = _source.OpenConnection();
            return body(connection);
        }
        catch (NpgsqlException ex) when (IsBrokenConnection(ex))
        {
            ForgetPooledConnections();
            throw;
        }
    }

    public override T InTransaction<T>(Func<DbConnection, DbTransaction, T> body)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var connection = _source.OpenConnection();
                using var tx = connection.BeginTransaction();
                var result = body(connection, tx);
                tx.Commit();
                return result;
            }
            catch (PostgresException ex) when (attempt < MaxAttempts && ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // The server rolled the transaction back; running it again is what it asks for.
            }
            catch (NpgsqlException ex) when (IsBrokenConnection(ex))
            {
                ForgetPooledConnections();
                throw;
            }
        }
    }

    public override void Migrate()
    {
        for (var i = 0; i < PostgresMigrations.All.Length; i++)
        {
            var version = i + 1;
            InTransaction((connection, tx) =>
            {
                // Replicas starting together wait here for each other, so each migration runs once.
                Execute(connection, tx, "SELECT pg_advisory_xact_lock(hashtext('meshheal.schema_migrations'))");
                Execute(connection, tx, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
                using var applied = Command(connection, tx, "SELECT COUNT(*) FROM schema_migrations WHERE version = @v");
                applied.Parameters.Add(Parameter("@v", version));
                if ((long)applied.ExecuteScalar()! > 0)
                {
                    return 0;
                }

                Execute(connection, tx, PostgresMigrations.All[version - 1]);
                using var record = Command(connection, tx, "INSERT INTO schema_migrations (version, applied_at) VALUES (@v, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT)");
                record.Parameters.Add(Parameter("@v", version));
                return record.ExecuteNonQuery();
            });
        }
    }

    public override int SchemaVersion() => Run(connection =>
    {
        using var command = Command(connection, null, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    });

    public override void Check() => InTransaction((connection, tx) =>
    {
        using var command = Command(connection, tx, "SELECT COUNT(*) FROM schema_migrations");
        return command.ExecuteScalar();
    });

    public override DbParameter Parameter(string name, object? value) =>
        value is null || value is DBNull
            ? new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = DBNull.Value }
            : new NpgsqlParameter(name, value);

    public override void Dispose() => _source.Dispose();

    // A server that restarted leaves every idle pooled connection dead; dropping them makes the next call connect afresh
    // instead of failing once more per idle connection.
    private void ForgetPooledConnections() => _source.Clear();

    private static bool IsBrokenConnection(NpgsqlException ex) => ex is not PostgresException || ex.IsTransient;

    private static NpgsqlCommand Command(DbConnection connection, DbTransaction? tx, string sql) =>
        new(sql, (NpgsqlConnection)connection, (NpgsqlTransaction?)tx);

    private static void Execute(DbConnection connection, DbTransaction tx, string sql)
    {
        using var command = Command(connection, tx, sql);
        command.ExecuteNonQuery();
    }
}
