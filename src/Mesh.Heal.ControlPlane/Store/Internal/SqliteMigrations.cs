namespace Mesh.Heal.ControlPlane.Store.Internal;

/// <summary>The SQLite schema, as migrations in order; <c>PRAGMA user_version</c> records how many ran. Append, never edit.</summary>
/// <remarks>Keep in step with <see cref="PostgresMigrations"/>: the same tables and columns, one migration for one.</remarks>
internal static class SqliteMigrations
{
    /// <summary>Every migration, oldest first.</summary>
    public static readonly string[] All =
    [
        """
        CREATE TABLE services (
            name TEXT PRIMARY KEY,
            created_at INTEGER NOT NULL);
        CREATE TABLE sidecars (
            service TEXT NOT NULL,
            instance TEXT NOT NULL,
            zone TEXT NOT NULL DEFAULT '',
            sidecar_version TEXT NOT NULL DEFAULT '',
            connected INTEGER NOT NULL DEFAULT 0,
            connection_id TEXT,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            acked_version INTEGER NOT NULL DEFAULT 0,
            acked_at INTEGER,
            nack_version INTEGER,
            nack_error TEXT,
            nack_at INTEGER,
            PRIMARY KEY (service, instance));
        CREATE TABLE policy_versions (
            service TEXT NOT NULL,
            version INTEGER NOT NULL,
            policy_json TEXT NOT NULL,
            document TEXT NOT NULL,
            source TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (service, version));
        CREATE TABLE policy_acks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            service TEXT NOT NULL,
            instance TEXT NOT NULL,
            version INTEGER NOT NULL,
            nonce TEXT NOT NULL,
            ack INTEGER NOT NULL,
            error TEXT,
            at INTEGER NOT NULL);
        CREATE INDEX policy_acks_by_sidecar ON policy_acks (service, instance, id);
        CREATE TABLE telemetry_rollups (
            service TEXT NOT NULL,
            cluster TEXT NOT NULL,
            resolution INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            requests INTEGER NOT NULL,
            success INTEGER NOT NULL,
            server_errors INTEGER NOT NULL,
            timeouts INTEGER NOT NULL,
            transport_errors INTEGER NOT NULL,
            slow INTEGER NOT NULL,
            rejected INTEGER NOT NULL,
            fallbacks INTEGER NOT NULL,
            retries INTEGER NOT NULL,
            caller_failures INTEGER NOT NULL,
            latency_sum_ms REAL NOT NULL,
            latency_counts TEXT NOT NULL,
            reports INTEGER NOT NULL,
            PRIMARY KEY (service, cluster, resolution, bucket));
        CREATE TABLE resource_rollups (
            service TEXT NOT NULL,
            instance TEXT NOT NULL,
            target TEXT NOT NULL,
            resolution INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            samples INTEGER NOT NULL,
            working_set_max INTEGER NOT NULL,
            gc_heap_max INTEGER NOT NULL,
            threads_max INTEGER NOT NULL,
            handles_max INTEGER NOT NULL,
            connections_max INTEGER NOT NULL,
            memory_limit INTEGER NOT NULL,
            max_handles INTEGER NOT NULL,
            PRIMARY KEY (service, instance, target, resolution, bucket));
        CREATE TABLE issues (
            id TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL UNIQUE,
            service TEXT NOT NULL,
            services TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            severity TEXT NOT NULL,
            state TEXT NOT NULL,
            summary TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            occurrences INTEGER NOT NULL DEFAULT 1,
            details TEXT NOT NULL DEFAULT '{}');
        CREATE TABLE actions (
            id TEXT PRIMARY KEY,
            issue_id TEXT,
            service TEXT NOT NULL,
            agent TEXT NOT NULL,
            kind TEXT NOT NULL,
            description TEXT NOT NULL,
            risk TEXT NOT NULL,
            mode TEXT NOT NULL,
            state TEXT NOT NULL,
            dry_run INTEGER NOT NULL DEFAULT 0,
            diff TEXT NOT NULL DEFAULT '',
            rollback_plan TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            details TEXT NOT NULL DEFAULT '{}');
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            service TEXT NOT NULL DEFAULT '',
            subject TEXT NOT NULL,
            detail TEXT NOT NULL);
        """,
        """
        ALTER TABLE actions ADD COLUMN action_key TEXT NOT NULL DEFAULT '';
        CREATE INDEX actions_by_key ON actions (action_key, updated_at);
        CREATE INDEX actions_by_state ON actions (state);
        """,
        """
        ALTER TABLE sidecars ADD COLUMN replica TEXT NOT NULL DEFAULT '';
        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            acquired_at INTEGER NOT NULL);
        CREATE TABLE replicas (
            id TEXT PRIMARY KEY,
            started_at INTEGER NOT NULL,
            heartbeat_at INTEGER NOT NULL,
            grpc_url TEXT NOT NULL DEFAULT '',
            http_url TEXT NOT NULL DEFAULT '',
            last_run_at INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE telemetry_inbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            replica TEXT NOT NULL,
            service TEXT NOT NULL,
            instance TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            report BLOB NOT NULL);
        CREATE INDEX telemetry_inbox_by_time ON telemetry_inbox (received_at);
        """,
        """
        CREATE TABLE replica_history (
            service TEXT NOT NULL,
            minute INTEGER NOT NULL,
            replicas INTEGER NOT NULL,
            replicas_source TEXT NOT NULL,
            recommended_replicas INTEGER,
            capacity_per_replica REAL,
            capacity_basis TEXT NOT NULL DEFAULT '',
            samples INTEGER NOT NULL,
            PRIMARY KEY (service, minute));
        CREATE INDEX replica_history_by_minute ON replica_history (minute);
        """,
        """
        CREATE TABLE ca_roots (
            name TEXT PRIMARY KEY,
            certificate_pem TEXT NOT NULL,
            key_pem TEXT NOT NULL,
            created_at INTEGER NOT NULL);
        """,
    ];
}
