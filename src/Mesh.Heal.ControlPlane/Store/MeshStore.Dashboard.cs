namespace Mesh.Heal.ControlPlane.Store;

internal sealed partial class MeshStore
{
    /// <summary>The rollups of every service and cluster at <paramref name="resolution"/> with buckets in [from, to), oldest first.</summary>
    public IReadOnlyList<TelemetryRollup> AllRollups(TimeSpan resolution, DateTimeOffset from, DateTimeOffset to) =>
        Query(
            """
            SELECT service, cluster, resolution, bucket, requests, success, server_errors, timeouts, transport_errors, slow, rejected, fallbacks,
                retries, caller_failures, latency_sum_ms, latency_counts, reports
            FROM telemetry_rollups
            WHERE resolution = @r AND bucket >= @from AND bucket < @to
            ORDER BY bucket, service, cluster
            """,
            ReadRollup,
            ("@r", (long)resolution.TotalSeconds), ("@from", from.ToUnixTimeSeconds()), ("@to", to.ToUnixTimeSeconds()));

    /// <summary>Every service and cluster with rollups at <paramref name="resolution"/> in [from, to).</summary>
    public IReadOnlyList<string> RolledUpNames(TimeSpan resolution, DateTimeOffset from, DateTimeOffset to) =>
        Query(
            """
            SELECT service FROM telemetry_rollups WHERE resolution = @r AND bucket >= @from AND bucket < @to
            UNION SELECT cluster FROM telemetry_rollups WHERE resolution = @r AND bucket >= @from AND bucket < @to
            """,
            r => r.GetString(0),
            ("@r", (long)resolution.TotalSeconds), ("@from", from.ToUnixTimeSeconds()), ("@to", to.ToUnixTimeSeconds()));
}
