namespace Mesh.Heal.ControlPlane.Store;

/// <summary>Replica history: per service per minute, the replicas in service and the capacity planner's recommendation.</summary>
internal sealed partial class MeshStore
{
    /// <summary>Adds samples to their minutes, in one transaction: the replicas are the most seen in the minute, the
    /// recommendation and per-replica capacity the last one given (a sample without them keeps the minute's).</summary>
    /// <remarks>The leader writes it from its coordinator runs, under its term's fence like every coordinator write.</remarks>
    public void AddReplicaSamples(IReadOnlyCollection<ReplicaMinute> samples)
    {
        if (samples.Count == 0)
        {
            return;
        }

        InTransaction(() =>
        {
            var max = _db.Greatest;
            foreach (var s in samples.OrderBy(s => s.Service, StringComparer.Ordinal).ThenBy(s => s.Minute))
            {
                Execute(
                    $"""
                    INSERT INTO replica_history (service, minute, replicas, replicas_source, recommended_replicas, capacity_per_replica, capacity_basis, samples)
                    VALUES (@s, @m, @n, @src, CAST(@rec AS BIGINT), CAST(@cap AS DOUBLE PRECISION), @basis, 1)
                    ON CONFLICT (service, minute) DO UPDATE SET
                        replicas = {max}(replica_history.replicas, @n),
                        replicas_source = CASE WHEN @n >= replica_history.replicas THEN @src ELSE replica_history.replicas_source END,
                        recommended_replicas = COALESCE(CAST(@rec AS BIGINT), replica_history.recommended_replicas),
                        capacity_per_replica = COALESCE(CAST(@cap AS DOUBLE PRECISION), replica_history.capacity_per_replica),
                        capacity_basis = CASE WHEN @cap IS NULL THEN replica_history.capacity_basis ELSE @basis END,
                        samples = replica_history.samples + 1
                    """,
                    ("@s", s.Service), ("@m", MinuteOf(s.Minute)), ("@n", (long)s.Replicas), ("@src", s.Source),
                    ("@rec", s.RecommendedReplicas is { } rec ? (long)rec : null), ("@cap", s.CapacityPerReplica), ("@basis", s.CapacityBasis));
            }

            return 0;
        });
    }

    /// <summary>How many sidecars of each service hold a stream to a replica now (services with none are left out).</summary>
    public IReadOnlyDictionary<string, int> ConnectedSidecars() =>
        Query("SELECT service, COUNT(*) FROM sidecars WHERE connected = 1 GROUP BY service", r => (r.GetString(0), (int)Long(r.GetValue(1))))
            .ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);

    /// <summary>Every service's replica history with minutes in [from, to), by service then minute.</summary>
    public IReadOnlyList<ReplicaMinute> ReplicaHistory(DateTimeOffset from, DateTimeOffset to) =>
        Query(
            """
            SELECT service, minute, replicas, replicas_source, recommended_replicas, capacity_per_replica, capacity_basis FROM replica_history
            WHERE minute >= @from AND minute < @to ORDER BY service, minute
            """,
            ReadReplicaMinute,
            ("@from", from.ToUnixTimeSeconds()), ("@to", to.ToUnixTimeSeconds()));

    /// <summary>Per service, its newest minute before <paramref name="before"/> with a planner recommendation (the one in force when a window starts).</summary>
    public IReadOnlyList<ReplicaMinute> RecommendationsBefore(DateTimeOffset before) =>
        Query(
            """
            SELECT h.service, h.minute, h.replicas, h.replicas_source, h.recommended_replicas, h.capacity_per_replica, h.capacity_basis FROM replica_history h
            JOIN (SELECT service, MAX(minute) AS minute FROM replica_history WHERE minute < @before AND recommended_replicas IS NOT NULL GROUP BY service) m
                ON m.service = h.service AND m.minute = h.minute
            ORDER BY h.service
            """,
            ReadReplicaMinute,
            ("@before", before.ToUnixTimeSeconds()));

    /// <summary>Requests per minute in [from, to) from the 1 min rollups, summed two ways: by called cluster (what callers sent
    /// the service of that name) and by calling service (what that service's sidecars proxied).</summary>
    public (IReadOnlyList<(string Cluster, DateTimeOffset Minute, long Requests)> ByCluster, IReadOnlyList<(string Service, DateTimeOffset Minute, long Requests)> ByService)
        MinuteRequests(DateTimeOffset from, DateTimeOffset to)
    {
        (string, object?)[] window = [("@from", from.ToUnixTimeSeconds()), ("@to", to.ToUnixTimeSeconds())];
        var byCluster = Query(
            "SELECT cluster, bucket, SUM(requests) FROM telemetry_rollups WHERE resolution = 60 AND bucket >= @from AND bucket < @to GROUP BY cluster, bucket",
            r => (r.GetString(0), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(1)), Long(r.GetValue(2))), window);
        var byService = Query(
            "SELECT service, bucket, SUM(requests) FROM telemetry_rollups WHERE resolution = 60 AND bucket >= @from AND bucket < @to GROUP BY service, bucket",
            r => (r.GetString(0), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(1)), Long(r.GetValue(2))), window);
        return (byCluster, byService);
    }

    private static long MinuteOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60 * 60;

    private static ReplicaMinute ReadReplicaMinute(System.Data.Common.DbDataReader r) => new(
        r.GetString(0), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(1)), (int)r.GetInt64(2), r.GetString(3),
        r.IsDBNull(4) ? null : (int)r.GetInt64(4), r.IsDBNull(5) ? null : r.GetDouble(5), r.GetString(6));
}
