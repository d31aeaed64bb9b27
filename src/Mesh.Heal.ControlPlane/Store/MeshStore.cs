using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Mesh.Heal.ControlPlane.Store;

/// <summary>The control plane's durable state in one SQLite file: services, sidecars, policy versions and their ACKs,
/// telemetry rollups, issues, actions and the audit log.</summary>
/// <remarks>
/// One connection in WAL mode, used under one lock: every call is a short local statement, and a single writer is
/// what SQLite wants anyway. Migrations run when the store opens. A restart loses nothing: at open, every sidecar is
/// marked disconnected, since no stream survives the process.
/// </remarks>
internal sealed partial class MeshStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;

    public MeshStore(string path, TimeProvider time)
    {
        _time = time;
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;");
        Migrate();
        Execute("UPDATE sidecars SET connected = 0, connection_id = NULL");
        FilePath = full;
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    /// <summary>The schema version after migrations.</summary>
    public int SchemaVersion => (int)(long)Scalar("PRAGMA user_version")!;

    public void Dispose() => _connection.Dispose();

    // ---- services and policies ----

    /// <summary>Stores a new policy version for <paramref name="service"/>: the newest version plus one.</summary>
    public StoredPolicy AddPolicy(string service, string policyJson, string document, string source, string author)
    {
        lock (_lock)
        {
            using var tx = _connection.BeginTransaction();
            var now = Now();
            EnsureService_NeedsLock(service, now);
            var version = (long)Scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM policy_versions WHERE service = $s", ("$s", service))!;
            Execute(
                "INSERT INTO policy_versions (service, version, policy_json, document, source, author, created_at) VALUES ($s, $v, $p, $d, $src, $a, $t)",
                ("$s", service), ("$v", version), ("$p", policyJson), ("$d", document), ("$src", source), ("$a", author), ("$t", now));
            tx.Commit();
            return new StoredPolicy(service, version, policyJson, document, source, author, FromMs(now));
        }
    }

    public StoredPolicy? Policy(string service, long version = 0) =>
        Query(
            version == 0
                ? "SELECT service, version, policy_json, document, source, author, created_at FROM policy_versions WHERE service = $s ORDER BY version DESC LIMIT 1"
                : "SELECT service, version, policy_json, document, source, author, created_at FROM policy_versions WHERE service = $s AND version = $v",
            ReadPolicy, ("$s", service), ("$v", version)).FirstOrDefault();

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
    public void SidecarConnected(string service, string instance, string zone, string sidecarVersion, string connectionId)
    {
        lock (_lock)
        {
            var now = Now();
            EnsureService_NeedsLock(service, now);
            Execute(
                """
                INSERT INTO sidecars (service, instance, zone, sidecar_version, connected, connection_id, first_seen, last_seen)
                VALUES ($s, $i, $z, $v, 1, $c, $t, $t)
                ON CONFLICT (service, instance) DO UPDATE SET zone = $z, sidecar_version = $v, connected = 1, connection_id = $c, last_seen = $t
                """,
                ("$s", service), ("$i", instance), ("$z", zone), ("$v", sidecarVersion), ("$c", connectionId), ("$t", now));
        }
    }

    /// <summary>Records that a stream ended, unless a newer stream of the same sidecar took over meanwhile.</summary>
    public void SidecarDisconnected(string service, string instance, string connectionId) =>
        Locked(() => Execute(
            "UPDATE sidecars SET connected = 0, connection_id = NULL, last_seen = $t WHERE service = $s AND instance = $i AND connection_id = $c",
            ("$s", service), ("$i", instance), ("$c", connectionId), ("$t", Now())));

    /// <summary>Records ACKs (<see cref="PolicyAnswer.Error"/> null) and NACKs, in the history and on the sidecar, in one transaction: at a thousand sidecars a commit per answer would dominate a push.</summary>
    public void RecordAnswers(IReadOnlyList<PolicyAnswer> answers)
    {
        lock (_lock)
        {
            using var tx = _connection.BeginTransaction();
            using var history = Command(
                "INSERT INTO policy_acks (service, instance, version, nonce, ack, error, at) VALUES ($s, $i, $v, $n, $a, $e, $t)",
                [("$s", null), ("$i", null), ("$v", null), ("$n", null), ("$a", null), ("$e", null), ("$t", null)]);
            using var ack = Command(
                "UPDATE sidecars SET acked_version = $v, acked_at = $t, last_seen = $t WHERE service = $s AND instance = $i",
                [("$s", null), ("$i", null), ("$v", null), ("$t", null)]);
            using var nack = Command(
                "UPDATE sidecars SET nack_version = $v, nack_error = $e, nack_at = $t, last_seen = $t WHERE service = $s AND instance = $i",
                [("$s", null), ("$i", null), ("$v", null), ("$e", null), ("$t", null)]);
            foreach (var answer in answers)
            {
                var at = answer.At.ToUnixTimeMilliseconds();
                Run(history, answer.Service, answer.Instance, answer.Version, answer.Nonce, answer.Error is null ? 1 : 0, (object?)answer.Error ?? DBNull.Value, at);
                if (answer.Error is null)
                {
                    Run(ack, answer.Service, answer.Instance, answer.Version, at);
                }
                else
                {
                    Run(nack, answer.Service, answer.Instance, answer.Version, answer.Error, at);
                }
            }

            tx.Commit();
        }

        static void Run(SqliteCommand command, params object[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i];
            }

            command.ExecuteNonQuery();
        }
    }

    /// <summary>The ACK/NACK history of one sidecar, newest first.</summary>
    public IReadOnlyList<(long Version, string Nonce, bool Ack, string? Error, DateTimeOffset At)> AckHistory(string service, string instance, int limit = 100) =>
        Query(
            "SELECT version, nonce, ack, error, at FROM policy_acks WHERE service = $s AND instance = $i ORDER BY id DESC LIMIT $l",
            r => (r.GetInt64(0), r.GetString(1), r.GetInt64(2) == 1, r.IsDBNull(3) ? null : r.GetString(3), FromMs(r.GetInt64(4))),
            ("$s", service), ("$i", instance), ("$l", limit));

    public IReadOnlyList<StoredSidecar> Sidecars(string? service = null) =>
        Query(
            """
            SELECT service, instance, zone, sidecar_version, connected, first_seen, last_seen, acked_version, acked_at, nack_version, nack_error, nack_at
            FROM sidecars WHERE $s IS NULL OR service = $s ORDER BY service, instance
            """,
            r => new StoredSidecar(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4) == 1, FromMs(r.GetInt64(5)), FromMs(r.GetInt64(6)),
                r.GetInt64(7), NullableTime(r, 8), r.IsDBNull(9) ? null : r.GetInt64(9), r.IsDBNull(10) ? null : r.GetString(10), NullableTime(r, 11)),
            ("$s", service));

    // ---- audit ----

    public void Audit(string actor, string kind, string service, string subject, string detail) =>
        Locked(() => Execute(
            "INSERT INTO audit_log (at, actor, kind, service, subject, detail) VALUES ($t, $a, $k, $s, $sub, $d)",
            ("$t", Now()), ("$a", actor), ("$k", kind), ("$s", service), ("$sub", subject), ("$d", detail)));

    public IReadOnlyList<AuditRecord> AuditLog(string? service, int limit) =>
        Query(
            "SELECT id, at, actor, kind, service, subject, detail FROM audit_log WHERE $s IS NULL OR service = $s ORDER BY id DESC LIMIT $l",
            r => new AuditRecord(r.GetInt64(0), FromMs(r.GetInt64(1)), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6)),
            ("$s", service), ("$l", limit));

    // ---- helpers ----

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static DateTimeOffset? NullableTime(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : FromMs(r.GetInt64(i));

    private static StoredPolicy ReadPolicy(SqliteDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), FromMs(r.GetInt64(6)));

    private void EnsureService_NeedsLock(string service, long now) =>
        Execute("INSERT INTO services (name, created_at) VALUES ($s, $t) ON CONFLICT (name) DO NOTHING", ("$s", service), ("$t", now));

    private void Migrate()
    {
        var applied = SchemaVersion;
        for (var i = applied; i < Migrations.Length; i++)
        {
            using var tx = _connection.BeginTransaction();
            Execute(Migrations[i]);
            Execute($"PRAGMA user_version = {(i + 1).ToString(CultureInfo.InvariantCulture)}");
            tx.Commit();
        }
    }

    /// <summary>Reads the schema version and takes the write lock for a moment: throws when the file cannot be read or written.</summary>
    public void Check() => Locked(() =>
    {
        _ = SchemaVersion;
        Execute("BEGIN IMMEDIATE; ROLLBACK;");
    });

    internal void Locked(Action action)
    {
        lock (_lock)
        {
            action();
        }
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_lock)
        {
            using var command = Command(sql, parameters);
            return command.ExecuteNonQuery();
        }
    }

    private object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_lock)
        {
            using var command = Command(sql, parameters);
            return command.ExecuteScalar();
        }
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        lock (_lock)
        {
            using var command = Command(sql, parameters);
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(read(reader));
            }

            return rows;
        }
    }

    private SqliteCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
