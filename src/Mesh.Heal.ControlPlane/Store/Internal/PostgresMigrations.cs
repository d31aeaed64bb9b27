namespace Mesh.Heal.ControlPlane.Store.Internal;

/// <summary>The PostgreSQL schema, as migrations in order; the <c>schema_migrations</c> table records which ran. Append, never edit.</summary>
/// <remarks>
/// One for one with <see cref="SqliteMigrations"/>: the same tables and columns, in PostgreSQL's types (BIGINT for every
/// integer, since timestamps are Unix milliseconds; DOUBLE PRECISION; BIGSERIAL; BYTEA). The third adds what several
/// replicas share (leases, replicas, the telemetry inbox, the sidecar's replica) and the trigger that announces every
/// new policy version on the <c>meshheal_policy</c> channel with the service as payload.
/// </remarks>
internal static class PostgresMigrations
{
    /// <summary>The channel <c>pg_notify</c> announces new policy versions on; the payload is the service.</summary>
    public const string PolicyChannel = "meshheal_policy";

    /// <summary>Every migration, oldest first.</summary>
    public static readonly string[] All =
    [
        """
        CREATE TABLE services (
            name TEXT PRIMARY KEY,
            created_at BIGINT NOT NULL);
        CREATE TABLE sidecars (
            service TEXT NOT NULL,
            instance TEXT NOT NULL,
            zone TEXT NOT NULL DEFAULT '',
            sidecar_version TEXT NOT NULL DEFAULT '',
            connected BIGINT NOT NULL DEFAULT 0,
            connection_id TEXT,
            first_seen BIGINT NOT NULL,
            last_seen BIGINT NOT NULL,
            acked_version BIGINT NOT NULL DEFAULT 0,
            acked_at BIGINT,
            nack_version BIGINT,
            nack_error TEXT,
            nack_at BIGINT,
            PRIMARY KEY (service, instance));
        CREATE TABLE policy_versions (
            service TEXT NOT NULL,
            version BIGINT NOT NULL,
            policy_json TEXT NOT NULL,
            document TEXT NOT NULL,
            source TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (service, version));
        CREATE TABLE policy_acks (
            id BIGSERIAL PRIMARY KEY,
            service TEXT NOT NULL,
            instance TEXT NOT NULL,
            version BIGINT NOT NULL,
            nonce TEXT NOT NULL,
            ack BIGINT NOT NULL,
            error TEXT,
            at BIGINT NOT NULL);
        CREATE INDEX policy_acks_by_sidecar ON policy_acks (service, instance, id);
        CREATE TABLE telemetry_rollups (
            service TEXT NOT NULL,
            cluster TEXT NOT NULL,
            resolution BIGINT NOT NULL,
            bucket BIGINT NOT NULL,
            requests BIGINT NOT NULL,
            success BIGINT NOT NULL,
            server_errors BIGINT NOT NULL,
            timeouts BIGINT NOT NULL,
            transport_errors BIGINT NOT NULL,
            slow BIGINT NOT NULL,
            rejected BIGINT NOT NULL,
            fallbacks BIGINT NOT NULL,
            retries BIGINT NOT NULL,
            caller_failures BIGINT NOT NULL,
            latency_sum_ms DOUBLE PRECISION NOT NULL,
            latency_counts TEXT NOT NULL,
            reports BIGINT NOT NULL,
            PRIMARY KEY (service, cluster, resolution, bucket));
        CREATE TABLE resource_rollups (
            service TEXT NOT NULL,
            instance TEXT NOT NULL,
            target TEXT NOT NULL,
            resolution BIGINT NOT NULL,
            bucket BIGINT NOT NULL,
            samples BIGINT NOT NULL,
            working_set_max BIGINT NOT NULL,
            gc_heap_max BIGINT NOT NULL,
            threads_max BIGINT NOT NULL,
            handles_max BIGINT NOT NULL,
            connections_max BIGINT NOT NULL,
            memory_limit BIGINT NOT NULL,
            max_handles BIGINT NOT NULL,
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
            first_seen BIGINT NOT NULL,
            last_seen BIGINT NOT NULL,
            occurrences BIGINT NOT NULL DEFAULT 1,
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
            dry_run BIGINT NOT NULL DEFAULT 0,
            diff TEXT NOT NULL DEFAULT '',
            rollback_plan TEXT NOT NULL DEFAULT '',
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            details TEXT NOT NULL DEFAULT '{}');
        CREATE TABLE audit_log (
            id BIGSERIAL PRIMARY KEY,
            at BIGINT NOT NULL,
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
            epoch BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            acquired_at BIGINT NOT NULL);
        CREATE TABLE replicas (
            id TEXT PRIMARY KEY,
            started_at BIGINT NOT NULL,
            heartbeat_at BIGINT NOT NULL,
            grpc_url TEXT NOT NULL DEFAULT '',
            http_url TEXT NOT NULL DEFAULT '',
            last_run_at BIGINT NOT NULL DEFAULT 0);
        CREATE TABLE telemetry_inbox (
            id BIGSERIAL PRIMARY KEY,
            replica TEXT NOT NULL,
            service TEXT NOT NULL,
            instance TEXT NOT NULL,
            received_at BIGINT NOT NULL,
            report BYTEA NOT NULL);
        CREATE INDEX telemetry_inbox_by_time ON telemetry_inbox (received_at);
        CREATE FUNCTION meshheal_policy_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('meshheal_policy', NEW.service);
            RETURN NEW;
        END
        $$;
        CREATE TRIGGER policy_versions_notify AFTER INSERT ON policy_versions FOR EACH ROW EXECUTE FUNCTION meshheal_policy_notify();
        """,
        """
        CREATE TABLE replica_history (
            service TEXT NOT NULL,
            minute BIGINT NOT NULL,
            replicas BIGINT NOT NULL,
            replicas_source TEXT NOT NULL,
            recommended_replicas BIGINT,
            capacity_per_replica DOUBLE PRECISION,
            capacity_basis TEXT NOT NULL DEFAULT '',
            samples BIGINT NOT NULL,
            PRIMARY KEY (service, minute));
        CREATE INDEX replica_history_by_minute ON replica_history (minute);
        """,
        """
        CREATE TABLE ca_roots (
            name TEXT PRIMARY KEY,
            certificate_pem TEXT NOT NULL,
            key_pem TEXT NOT NULL,
            created_at BIGINT NOT NULL);
        """,
    ];
}
