using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using Mesh.Heal.ControlPlane.Store.Internal;

namespace Mesh.Heal.ControlPlane.Store;

/// <summary>The control plane's durable state: services, sidecars, policy versions and their ACKs, telemetry rollups,
/// issues, actions and the audit log, in SQLite (one embedded file) or PostgreSQL (shared by several replicas).</summary>
/// <remarks>
/// One class holds the logic and portable SQL (parameters written <c>@name</c>); <see cref="StoreDatabase"/> holds what
/// differs: SQLite is one connection in WAL mode under one lock, PostgreSQL a pool with a connection per call or per
/// transaction. Migrations run when the store opens. A restart loses nothing: at open, the sidecars whose streams this
/// replica held are marked disconnected, since no stream survives the process (with SQLite, one process, every sidecar).
/// </remarks>
internal sealed partial class MeshStore : IDisposable
{
    private readonly StoreDatabase _db;
    private readonly TimeProvider _time;
    private readonly AsyncLocal<Session?> _session = new();

    // Services whose row this store has seen committed; rows in services are never deleted.
    private readonly ConcurrentDictionary<string, byte> _knownServices = new(StringComparer.Ordinal);

    /// <summary>Opens (creating or migrating) the SQLite file at <paramref name="path"/>.</summary>
    public MeshStore(string path, TimeProvider time)
        : this(new SqliteDatabase(path), time, StoreConstants.NewReplicaId())
    {
    }

    /// <summary>Opens the store on <paramref name="database"/> as replica <paramref name="replicaId"/>, running the migrations it lacks.</summary>
    public MeshStore(StoreDatabase database, TimeProvider time, string replicaId)
    {
        _db = database;
        _time = time;
        ReplicaId = replicaId;
        try
        {
            _db.Migrate();
            if (Provider == StoreProvider.Sqlite)
            {
                Execute("UPDATE sidecars SET connected = 0, connection_id = NULL");
            }
            else
            {
                Execute("UPDATE sidecars SET connected = 0, connection_id = NULL WHERE replica = @r", ("@r", replicaId));
            }
        }
        catch
        {
            _db.Dispose();
            throw;
        }
    }

    /// <summary>Which database the store is in.</summary>
    public StoreProvider Provider => _db.Provider;

    /// <summary>This control-plane process's name among the replicas sharing the database.</summary>
    public string ReplicaId { get; }

    /// <summary>The PostgreSQL connection string (for a connection of one's own, such as a LISTEN); null with SQLite.</summary>
    public string? ConnectionString => (_db as PostgresDatabase)?.ConnectionString;

    /// <summary>The SQLite file; empty with PostgreSQL.</summary>
    public string FilePath => (_db as SqliteDatabase)?.FilePath ?? "";

    /// <summary>The database for people: the SQLite file, or PostgreSQL's host, port and database.</summary>
    public string Description => _db.Description;

    /// <summary>The schema version after migrations.</summary>
    public int SchemaVersion => _db.SchemaVersion();

    public void Dispose() => _db.Dispose();

    // ---- services and policies ----

    /// <summary>Stores a new policy version for <paramref name="service"/>: the newest version plus one.</summary>
    /// <remarks>The service's row stays locked until the version is in, so writers on several replicas number one after
    /// another: versions are monotonic and gap-free per service.</remarks>
    public StoredPolicy AddPolicy(string service, string policyJson, string document, string source, string author) => InTransaction(() =>
    {
        var now = Now();
        EnsureService(service, now);
        Scalar("SELECT name FROM services WHERE name = @s" + _db.ForUpdate, ("@s", service));
        var version = Convert.ToInt64(Scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM policy_versions WHERE service = @s", ("@s", service)), CultureInfo.InvariantCulture);
        Execute(
            "INSERT INTO policy_versions (service, version, policy_json, document, source, author, created_at) VALUES (@s, @v, @p, @d, @src, @a, @t)",
            ("@s", service), ("@v", version), ("@p", policyJson), ("@d", document), ("@src", source), ("@a", author), ("@t", now));
        return new StoredPolicy(service, version, policyJson, document, source, author, FromMs(now));
    });

    public StoredPolicy? Policy(string service, long version = 0) =>
        Query(
            version == 0
                ? "SELECT service, version, policy_json, document, source, author, created_at FROM policy_versions WHERE service = @s ORDER BY version DESC LIMIT 1"
                : "SELECT service, version, policy_json, document, source, author, created_at FROM policy_versions WHERE service = @s AND version = @v",
            ReadPolicy, ("@s", service), ("@v", version)).FirstOrDefault();

    /// <summary>The newest policy of every service that has one.</summary>
    public IReadOnlyList<StoredPolicy> LatestPolicies() =>
        Query(
            """
            SELECT p.service, p.version, p.policy_json, p.document, p.source, p.author, p.created_at FROM policy_versions p
            JOIN (SELECT service, MAX(version) AS version FROM policy_versions GROUP BY service) m ON m.service = p.service AND m.version = p.version
            """,
            ReadPolicy);

    public IReadOnlyList<string> Services() => Query("SELECT name FROM services ORDER BY name", r => r.GetString(0));

    // ---- sidecars ----

    /// <summary>Records that a sidecar opened its policy stream.</summary>
    /// <remarks>The sidecar's row names this replica as the one holding its stream.
    /// A service already known to this store costs one statement, so a replica taking over thousands of streams at once
    /// registers them quickly.</remarks>
    public void SidecarConnected(string service, string instance, string zone, string sidecarVersion, string connectionId)
    {
        var now = Now();
        if (_knownServices.ContainsKey(service))
        {
            UpsertSidecar(service, instance, zone, sidecarVersion, connectionId, now);
            return;
        }

        InTransaction(() =>
        {
            EnsureService(service, now);
            return UpsertSidecar(service, instance, zone, sidecarVersion, connectionId, now);
        });
        if (_session.Value is null)
        {
            // Committed: an enclosing transaction that could still roll the service's row back would have a session.
            _knownServices.TryAdd(service, 0);
        }
    }

    private int UpsertSidecar(string service, string instance, string zone, string sidecarVersion, string connectionId, long now) =>
        Execute(
            """
            INSERT INTO sidecars (service, instance, zone, sidecar_version, connected, connection_id, first_seen, last_seen, replica)
            VALUES (@s, @i, @z, @v, 1, @c, @t, @t, @r)
            ON CONFLICT (service, instance) DO UPDATE SET zone = @z, sidecar_version = @v, connected = 1, connection_id = @c, last_seen = @t, replica = @r
            """,
            ("@s", service), ("@i", instance), ("@z", zone), ("@v", sidecarVersion), ("@c", connectionId), ("@t", now), ("@r", ReplicaId));

    /// <summary>Records that a stream ended, unless a newer stream of the same sidecar took over meanwhile.</summary>
    public void SidecarDisconnected(string service, string instance, string connectionId) =>
        _ = Execute(
            "UPDATE sidecars SET connected = 0, connection_id = NULL, last_seen = @t WHERE service = @s AND instance = @i AND connection_id = @c",
            ("@s", service), ("@i", instance), ("@c", connectionId), ("@t", Now()));

    /// <summary>Records ACKs (<see cref="PolicyAnswer.Error"/> null) and NACKs, in the history and on the sidecar, in one transaction: at a thousand sidecars a commit per answer would dominate a push.</summary>
    /// <remarks>With PostgreSQL the whole batch is three statements over arrays (a round trip per answer would take a
    /// push to 10,000 sidecars past a second); each sidecar ends as if its answers had been applied one by one.</remarks>
    public void RecordAnswers(IReadOnlyList<PolicyAnswer> answers) => InTransaction(() =>
    {
        if (answers.Count == 0)
        {
            return 0;
        }

        if (_db.SupportsArrays)
        {
            return RecordAnswersAsArrays(answers);
        }

        var (connection, tx) = CurrentSession();
        using var history = Prepare(connection, tx,
            "INSERT INTO policy_acks (service, instance, version, nonce, ack, error, at) VALUES (@s, @i, @v, @n, @a, @e, @t)", "@s", "@i", "@v", "@n", "@a", "@e", "@t");
        using var ack = Prepare(connection, tx,
            "UPDATE sidecars SET acked_version = @v, acked_at = @t, last_seen = @t WHERE service = @s AND instance = @i", "@s", "@i", "@v", "@t");
        using var nack = Prepare(connection, tx,
            "UPDATE sidecars SET nack_version = @v, nack_error = @e, nack_at = @t, last_seen = @t WHERE service = @s AND instance = @i", "@s", "@i", "@v", "@e", "@t");
        foreach (var answer in answers)
        {
            var at = answer.At.ToUnixTimeMilliseconds();
            Run(history, answer.Service, answer.Instance, answer.Version, answer.Nonce, answer.Error is null ? 1L : 0L, answer.Error, at);
            if (answer.Error is null)
            {
                Run(ack, answer.Service, answer.Instance, answer.Version, at);
            }
            else
            {
                Run(nack, answer.Service, answer.Instance, answer.Version, answer.Error, at);
            }
        }

        return answers.Count;
    });

    private int RecordAnswersAsArrays(IReadOnlyList<PolicyAnswer> answers)
    {
        Execute(
            """
            INSERT INTO policy_acks (service, instance, version, nonce, ack, error, at)
            SELECT s, i, v, n, a, e, t FROM unnest(@s, @i, @v, @n, @a, @e, @t) WITH ORDINALITY AS u(s, i, v, n, a, e, t, o) ORDER BY o
            """,
            ("@s", answers.Select(a => a.Service).ToArray()), ("@i", answers.Select(a => a.Instance).ToArray()),
            ("@v", answers.Select(a => a.Version).ToArray()), ("@n", answers.Select(a => a.Nonce).ToArray()),
            ("@a", answers.Select(a => a.Error is null ? 1L : 0L).ToArray()), ("@e", answers.Select(a => a.Error).ToArray()),
            ("@t", answers.Select(a => a.At.ToUnixTimeMilliseconds()).ToArray()));

        // Per sidecar, what applying its answers in order leaves: the last ACK, the last NACK, the time of the last answer.
        var last = new Dictionary<(string Service, string Instance), (PolicyAnswer? Ack, PolicyAnswer? Nack, long Seen)>();
        foreach (var answer in answers)
        {
            var key = (answer.Service, answer.Instance);
            var (ack, nack, _) = last.GetValueOrDefault(key);
            last[key] = answer.Error is null ? (answer, nack, answer.At.ToUnixTimeMilliseconds()) : (ack, answer, answer.At.ToUnixTimeMilliseconds());
        }

        var acked = last.Where(e => e.Value.Ack is not null).ToList();
        if (acked.Count > 0)
        {
            Execute(
                """
                UPDATE sidecars SET acked_version = u.v, acked_at = u.t, last_seen = u.seen
                FROM unnest(@s, @i, @v, @t, @seen) AS u(s, i, v, t, seen) WHERE sidecars.service = u.s AND sidecars.instance = u.i
                """,
                ("@s", acked.Select(e => e.Key.Service).ToArray()), ("@i", acked.Select(e => e.Key.Instance).ToArray()),
                ("@v", acked.Select(e => e.Value.Ack!.Version).ToArray()), ("@t", acked.Select(e => e.Value.Ack!.At.ToUnixTimeMilliseconds()).ToArray()),
                ("@seen", acked.Select(e => e.Value.Seen).ToArray()));
        }

        var nacked = last.Where(e => e.Value.Nack is not null).ToList();
        if (nacked.Count > 0)
        {
            Execute(
                """
                UPDATE sidecars SET nack_version = u.v, nack_error = u.e, nack_at = u.t, last_seen = u.seen
                FROM unnest(@s, @i, @v, @e, @t, @seen) AS u(s, i, v, e, t, seen) WHERE sidecars.service = u.s AND sidecars.instance = u.i
                """,
                ("@s", nacked.Select(e => e.Key.Service).ToArray()), ("@i", nacked.Select(e => e.Key.Instance).ToArray()),
                ("@v", nacked.Select(e => e.Value.Nack!.Version).ToArray()), ("@e", nacked.Select(e => e.Value.Nack!.Error).ToArray()),
                ("@t", nacked.Select(e => e.Value.Nack!.At.ToUnixTimeMilliseconds()).ToArray()), ("@seen", nacked.Select(e => e.Value.Seen).ToArray()));
        }

        return answers.Count;
    }

    /// <summary>The ACK/NACK history of one sidecar, newest first.</summary>
    public IReadOnlyList<(long Version, string Nonce, bool Ack, string? Error, DateTimeOffset At)> AckHistory(string service, string instance, int limit = 100) =>
        Query(
            "SELECT version, nonce, ack, error, at FROM policy_acks WHERE service = @s AND instance = @i ORDER BY id DESC LIMIT @l",
            r => (r.GetInt64(0), r.GetString(1), r.GetInt64(2) == 1, r.IsDBNull(3) ? null : r.GetString(3), FromMs(r.GetInt64(4))),
            ("@s", service), ("@i", instance), ("@l", limit));

    public IReadOnlyList<StoredSidecar> Sidecars(string? service = null) =>
        Query(
            """
            SELECT service, instance, zone, sidecar_version, connected, first_seen, last_seen, acked_version, acked_at, nack_version, nack_error, nack_at
            FROM sidecars WHERE @s IS NULL OR service = @s ORDER BY service, instance
            """,
            r => new StoredSidecar(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4) == 1, FromMs(r.GetInt64(5)), FromMs(r.GetInt64(6)),
                r.GetInt64(7), NullableTime(r, 8), r.IsDBNull(9) ? null : r.GetInt64(9), r.IsDBNull(10) ? null : r.GetString(10), NullableTime(r, 11)),
            ("@s", service));

    // ---- audit ----

    public void Audit(string actor, string kind, string service, string subject, string detail) =>
        _ = Execute(
            "INSERT INTO audit_log (at, actor, kind, service, subject, detail) VALUES (@t, @a, @k, @s, @sub, @d)",
            ("@t", Now()), ("@a", actor), ("@k", kind), ("@s", service), ("@sub", subject), ("@d", detail));

    public IReadOnlyList<AuditRecord> AuditLog(string? service, int limit) =>
        Query(
            "SELECT id, at, actor, kind, service, subject, detail FROM audit_log WHERE @s IS NULL OR service = @s ORDER BY id DESC LIMIT @l",
            r => new AuditRecord(r.GetInt64(0), FromMs(r.GetInt64(1)), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6)),
            ("@s", service), ("@l", limit));

    // ---- helpers ----

    /// <summary>Runs <paramref name="body"/> in one transaction: every <see cref="Execute"/>, <see cref="Scalar"/> and
    /// <see cref="Query{T}"/> it makes runs on the transaction's connection, and commits or rolls back with it.</summary>
    /// <remarks>Nested calls join the outer transaction. With PostgreSQL the body runs again when the server aborts it for a
    /// deadlock or serialization failure, so it should only touch the database. A failure rolls everything back and throws
    /// (a <see cref="DbException"/> for the database's own failures).</remarks>
    internal T InTransaction<T>(Func<T> body)
    {
        if (_session.Value is not null)
        {
            return body();
        }

        return _db.InTransaction((connection, tx) =>
        {
            _session.Value = new Session(connection, tx);
            try
            {
                // Under a leader's term (the coordinator's writes) the lease is checked first, in the same transaction.
                if (Replication.Fence.Current is { } term)
                {
                    CheckFence(term);
                }

                return body();
            }
            finally
            {
                _session.Value = null;
            }
        });
    }

    /// <summary>Runs a statement; returns the rows it changed.</summary>
    /// <remarks>Parameters are written <c>@name</c> in the SQL. A null value is sent as a NULL of type text on PostgreSQL,
    /// which works wherever a text is expected (<c>@s IS NULL OR service = @s</c>); cast it for another type
    /// (<c>CAST(@n AS BIGINT)</c>). Arrays (<c>long[]</c>, <c>string[]</c>) work on PostgreSQL only.</remarks>
    internal int Execute(string sql, params (string Name, object? Value)[] parameters) => Fenced() ? InTransaction(() => Execute(sql, parameters)) : OnConnection((connection, tx) =>
    {
        using var command = Command(connection, tx, sql, parameters);
        return command.ExecuteNonQuery();
    });

    /// <summary>Runs a query; returns the first column of the first row, or null.</summary>
    internal object? Scalar(string sql, params (string Name, object? Value)[] parameters) => Fenced() ? InTransaction(() => Scalar(sql, parameters)) : OnConnection((connection, tx) =>
    {
        using var command = Command(connection, tx, sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    });

    /// <summary>Runs a query; returns every row as <paramref name="read"/> makes it.</summary>
    internal List<T> Query<T>(string sql, Func<DbDataReader, T> read, params (string Name, object? Value)[] parameters) => OnConnection((connection, tx) =>
    {
        using var command = Command(connection, tx, sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    });

    /// <summary>Throws when the database cannot be read and written now.</summary>
    public void Check() => _db.Check();

    // A write outside a transaction under a leader's term runs in one, so the fence is checked with it.
    private bool Fenced() => Replication.Fence.Current is not null && _session.Value is null;

    private T OnConnection<T>(Func<DbConnection, DbTransaction?, T> use) =>
        _session.Value is { } session ? use(session.Connection, session.Transaction) : _db.Run(connection => use(connection, null));

    private (DbConnection Connection, DbTransaction Transaction) CurrentSession() =>
        _session.Value is { } session ? (session.Connection, session.Transaction) : throw new InvalidOperationException("not in a transaction");

    private DbCommand Command(DbConnection connection, DbTransaction? tx, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(_db.Parameter(name, value));
        }

        return command;
    }

    private DbCommand Prepare(DbConnection connection, DbTransaction tx, string sql, params string[] names) =>
        Command(connection, tx, sql, [.. names.Select(n => (n, (object?)null))]);

    private void Run(DbCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i] = _db.Parameter(command.Parameters[i].ParameterName, values[i]);
        }

        command.ExecuteNonQuery();
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static DateTimeOffset? NullableTime(DbDataReader r, int i) => r.IsDBNull(i) ? null : FromMs(r.GetInt64(i));

    private static StoredPolicy ReadPolicy(DbDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), FromMs(r.GetInt64(6)));

    private void EnsureService(string service, long now) =>
        Execute("INSERT INTO services (name, created_at) VALUES (@s, @t) ON CONFLICT (name) DO NOTHING", ("@s", service), ("@t", now));

    private sealed record Session(DbConnection Connection, DbTransaction Transaction);
}
