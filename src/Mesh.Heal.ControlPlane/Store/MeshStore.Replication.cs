using Mesh.Heal.ControlPlane.Replication;

namespace Mesh.Heal.ControlPlane.Store;

/// <summary>Leases (leader election with fencing) and the replicas' heartbeats.</summary>
internal sealed partial class MeshStore
{
    // PostgreSQL: the database's clock, so replicas with skewed clocks agree on when a lease expires. SQLite: one process, the TimeProvider.
    private string NowSql => Provider == StoreProvider.Postgres ? "(EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT" : "@now";

    /// <summary>Takes the lease <paramref name="name"/> for <paramref name="holder"/> for <paramref name="duration"/>, or renews it: it is taken
    /// when it is free, expired or held by <paramref name="holder"/> already; the epoch goes up by one on every change of hold (a new
    /// holder, or the same holder after the lease expired or was released) and stays on a renewal in time.</summary>
    /// <param name="name">The lease.</param>
    /// <param name="holder">The replica taking or renewing it.</param>
    /// <param name="duration">How long the lease lasts from now.</param>
    /// <param name="othersLeft">When another replica holds the lease, how long its hold has left by the store's clock (the database's on
    /// PostgreSQL, read in the same statement; the TimeProvider on SQLite), so the caller can try again right when it expires; zero otherwise.</param>
    /// <returns>The epoch held, or null when another replica holds the lease.</returns>
    public long? TryAcquireLease(string name, string holder, TimeSpan duration, out TimeSpan othersLeft)
    {
        var now = NowSql;
        var upsert =
            $"""
            INSERT INTO leases (name, holder, epoch, expires_at, acquired_at) VALUES (@name, @holder, 1, {now} + @ms, {now})
            ON CONFLICT (name) DO UPDATE SET
                epoch = CASE WHEN leases.holder = @holder AND leases.expires_at > {now} THEN leases.epoch ELSE leases.epoch + 1 END,
                acquired_at = CASE WHEN leases.holder = @holder AND leases.expires_at > {now} THEN leases.acquired_at ELSE {now} END,
                holder = @holder,
                expires_at = {now} + @ms
            WHERE leases.holder = @holder OR leases.expires_at <= {now}
            RETURNING epoch
            """;
        var parameters = WithNow(("@name", name), ("@holder", holder), ("@ms", (long)duration.TotalMilliseconds));
        othersLeft = TimeSpan.Zero;
        if (Provider == StoreProvider.Postgres)
        {
            // One statement, so the time left is on the same statement_timestamp() as the refused upsert. The outer SELECT sees the
            // row as of the statement's start: a renewal committed in between only makes the caller try a little early.
            var rows = Query(
                $"""
                WITH taken AS ({upsert})
                SELECT epoch, NULL::BIGINT FROM taken
                UNION ALL
                SELECT NULL::BIGINT, expires_at - {now} FROM leases WHERE name = @name AND NOT EXISTS (SELECT 1 FROM taken)
                """,
                r => (Epoch: r.IsDBNull(0) ? (long?)null : r.GetInt64(0), Left: r.IsDBNull(1) ? 0L : r.GetInt64(1)),
                parameters);
            if (rows.Count == 0)
            {
                return null;
            }

            othersLeft = TimeSpan.FromMilliseconds(Math.Max(0, rows[0].Left));
            return rows[0].Epoch;
        }

        var epochs = Query(upsert, r => r.GetInt64(0), parameters);
        if (epochs.Count > 0)
        {
            return epochs[0];
        }

        var left = Scalar($"SELECT expires_at - {now} FROM leases WHERE name = @name", WithNow(("@name", name)));
        othersLeft = left is null or DBNull ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(0, Convert.ToInt64(left, System.Globalization.CultureInfo.InvariantCulture)));
        return null;
    }

    /// <summary>Ends <paramref name="holder"/>'s hold of the lease at once (graceful stop), so another replica takes it without waiting for it to expire.</summary>
    public bool ReleaseLease(string name, string holder, long epoch) =>
        Execute("UPDATE leases SET expires_at = 0 WHERE name = @name AND holder = @holder AND epoch = @epoch", ("@name", name), ("@holder", holder), ("@epoch", epoch)) > 0;

    /// <summary>Who holds the lease <paramref name="name"/>, with its epoch and whether it is unexpired; null when it was never taken.</summary>
    public (string Holder, long Epoch, bool Held)? Lease(string name)
    {
        var rows = Query(
            $"SELECT holder, epoch, CASE WHEN expires_at > {NowSql} THEN 1 ELSE 0 END FROM leases WHERE name = @name",
            r => (r.GetString(0), r.GetInt64(1), Convert.ToInt64(r.GetValue(2), System.Globalization.CultureInfo.InvariantCulture) == 1),
            WithNow(("@name", name)));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Throws <see cref="LeadershipLostException"/> unless <paramref name="term"/> still holds the coordinator lease, unexpired; called
    /// inside a write's transaction. On PostgreSQL the lease row is share-locked until the transaction ends, so a takeover waits for this write.</summary>
    internal void CheckFence(LeaderTerm term)
    {
        var held = Scalar(
            $"SELECT epoch FROM leases WHERE name = @name AND holder = @holder AND epoch = @epoch AND expires_at > {NowSql}"
                + (Provider == StoreProvider.Postgres ? " FOR SHARE" : string.Empty),
            WithNow(("@name", LeaderElection.LeaseName), ("@holder", term.Holder), ("@epoch", term.Epoch)));
        if (held is null or DBNull)
        {
            throw new LeadershipLostException(term.Holder, term.Epoch, "the store's coordinator lease has another holder or epoch, or expired");
        }
    }

    /// <summary>Records that replica <paramref name="id"/> is alive, and where it listens.</summary>
    public void Heartbeat(string id, string grpcUrl, string httpUrl) =>
        Execute(
            $"""
            INSERT INTO replicas (id, started_at, heartbeat_at, grpc_url, http_url) VALUES (@id, {NowSql}, {NowSql}, @grpc, @http)
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = {NowSql}, grpc_url = @grpc, http_url = @http
            """,
            WithNow(("@id", id), ("@grpc", grpcUrl), ("@http", httpUrl)));

    /// <summary>Records that replica <paramref name="id"/> just completed a coordinator run as leader.</summary>
    public void RecordCoordinatorRun(string id) =>
        Execute($"UPDATE replicas SET last_run_at = {NowSql} WHERE id = @id", WithNow(("@id", id)));

    /// <summary>Every replica that heartbeats into this store, with the holder of the coordinator lease, in the store's view, so every replica answers alike.</summary>
    /// <param name="aliveWithin">A replica whose heartbeat is older than this is not alive.</param>
    public IReadOnlyList<StoredReplica> Replicas(TimeSpan aliveWithin) =>
        Query(
            $"""
            SELECT r.id, r.started_at, r.heartbeat_at, r.last_run_at, r.grpc_url, r.http_url,
                (SELECT COUNT(*) FROM sidecars s WHERE s.replica = r.id AND s.connected = 1),
                COALESCE(l.epoch, 0),
                CASE WHEN l.expires_at > {NowSql} THEN 1 ELSE 0 END,
                CASE WHEN r.heartbeat_at >= {NowSql} - @alive THEN 1 ELSE 0 END
            FROM replicas r LEFT JOIN leases l ON l.name = @name AND l.holder = r.id
            ORDER BY r.started_at, r.id
            """,
            r => new StoredReplica(
                r.GetString(0), FromMs(r.GetInt64(1)), FromMs(r.GetInt64(2)), r.GetInt64(3) == 0 ? null : FromMs(r.GetInt64(3)), r.GetString(4), r.GetString(5),
                Convert.ToInt64(r.GetValue(6), System.Globalization.CultureInfo.InvariantCulture), r.GetInt64(7),
                Convert.ToInt64(r.GetValue(8), System.Globalization.CultureInfo.InvariantCulture) == 1,
                Convert.ToInt64(r.GetValue(9), System.Globalization.CultureInfo.InvariantCulture) == 1),
            WithNow(("@name", LeaderElection.LeaseName), ("@alive", (long)aliveWithin.TotalMilliseconds)));

    /// <summary>Marks disconnected the sidecars held by replicas other than <paramref name="self"/> whose heartbeat is older than
    /// <paramref name="staleAfter"/> (their streams died with them), and forgets replicas silent for <paramref name="forgetAfter"/>.</summary>
    /// <returns>How many sidecars were marked.</returns>
    public int DisconnectStaleReplicas(string self, TimeSpan staleAfter, TimeSpan forgetAfter)
    {
        var marked = Execute(
            $"""
            UPDATE sidecars SET connected = 0, connection_id = NULL
            WHERE connected = 1 AND replica <> @self AND replica IN (SELECT id FROM replicas WHERE heartbeat_at < {NowSql} - @stale)
            """,
            WithNow(("@self", self), ("@stale", (long)staleAfter.TotalMilliseconds)));
        Execute(
            $"DELETE FROM replicas WHERE id <> @self AND heartbeat_at < {NowSql} - @forget AND NOT EXISTS (SELECT 1 FROM sidecars s WHERE s.replica = replicas.id AND s.connected = 1)",
            WithNow(("@self", self), ("@forget", (long)forgetAfter.TotalMilliseconds)));
        return marked;
    }

    private (string Name, object? Value)[] WithNow(params (string Name, object? Value)[] parameters) =>
        Provider == StoreProvider.Postgres ? parameters : [.. parameters, ("@now", _time.GetUtcNow().ToUnixTimeMilliseconds())];
}
