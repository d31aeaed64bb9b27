using System.Globalization;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.ControlPlane.Store;

internal sealed partial class MeshStore
{
    /// <summary>Adds the rows' counts to the stored buckets (creating them), in one transaction.</summary>
    /// <remarks>Each bucket's row is created empty if need be and locked before its counts are added, in key order, so two
    /// replicas flushing the same buckets add up rather than overwrite each other, and never deadlock.</remarks>
    public void AddRollups(IReadOnlyCollection<TelemetryRollup> rows, IReadOnlyCollection<ResourceRollup> resources)
    {
        if (rows.Count == 0 && resources.Count == 0)
        {
            return;
        }

        InTransaction(() =>
        {
            foreach (var row in rows.OrderBy(r => r.Service, StringComparer.Ordinal).ThenBy(r => r.Cluster, StringComparer.Ordinal)
                .ThenBy(r => r.Resolution).ThenBy(r => r.Bucket))
            {
                (string, object?)[] key =
                    [("@s", row.Service), ("@c", row.Cluster), ("@r", (long)row.Resolution.TotalSeconds), ("@b", row.Bucket.ToUnixTimeSeconds())];
                Execute(
                    """
                    INSERT INTO telemetry_rollups (service, cluster, resolution, bucket, requests, success, server_errors, timeouts, transport_errors,
                        slow, rejected, fallbacks, retries, caller_failures, latency_sum_ms, latency_counts, reports)
                    VALUES (@s, @c, @r, @b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '', 0)
                    ON CONFLICT (service, cluster, resolution, bucket) DO NOTHING
                    """,
                    key);
                var existing = Query(
                    "SELECT latency_counts FROM telemetry_rollups WHERE service = @s AND cluster = @c AND resolution = @r AND bucket = @b" + _db.ForUpdate,
                    r => r.GetString(0), key).First();
                var counts = Add(ParseCounts(existing), row.LatencyCounts);
                Execute(
                    AddToRollup,
                    [.. key,
                    ("@req", row.Requests), ("@ok", row.Success), ("@e5", row.ServerErrors), ("@to", row.Timeouts), ("@te", row.TransportErrors),
                    ("@slow", row.Slow), ("@rej", row.Rejected), ("@fb", row.Fallbacks), ("@rt", row.Retries), ("@cf", row.CallerFailures),
                    ("@sum", row.LatencySumMs), ("@lc", FormatCounts(counts)), ("@n", row.Reports)]);
            }

            foreach (var row in resources.OrderBy(r => r.Service, StringComparer.Ordinal).ThenBy(r => r.Instance, StringComparer.Ordinal)
                .ThenBy(r => r.Target, StringComparer.Ordinal).ThenBy(r => r.Resolution).ThenBy(r => r.Bucket))
            {
                var max = _db.Greatest;
                Execute(
                    $"""
                    INSERT INTO resource_rollups (service, instance, target, resolution, bucket, samples, working_set_max, gc_heap_max, threads_max,
                        handles_max, connections_max, memory_limit, max_handles)
                    VALUES (@s, @i, @tg, @r, @b, @n, @ws, @gc, @th, @h, @c, @ml, @mh)
                    ON CONFLICT (service, instance, target, resolution, bucket) DO UPDATE SET
                        samples = resource_rollups.samples + @n, working_set_max = {max}(resource_rollups.working_set_max, @ws),
                        gc_heap_max = {max}(resource_rollups.gc_heap_max, @gc), threads_max = {max}(resource_rollups.threads_max, @th),
                        handles_max = {max}(resource_rollups.handles_max, @h), connections_max = {max}(resource_rollups.connections_max, @c),
                        memory_limit = {max}(resource_rollups.memory_limit, @ml), max_handles = {max}(resource_rollups.max_handles, @mh)
                    """,
                    ("@s", row.Service), ("@i", row.Instance), ("@tg", row.Target), ("@r", (long)row.Resolution.TotalSeconds),
                    ("@b", row.Bucket.ToUnixTimeSeconds()), ("@n", row.Samples), ("@ws", row.WorkingSetMax), ("@gc", row.GcHeapMax),
                    ("@th", row.ThreadsMax), ("@h", row.HandlesMax), ("@c", row.ConnectionsMax), ("@ml", row.MemoryLimit), ("@mh", row.MaxHandles));
            }

            return 0;
        });
    }

    /// <summary>The rollups of <paramref name="service"/> at <paramref name="resolution"/> with buckets in [from, to), oldest first.</summary>
    public IReadOnlyList<TelemetryRollup> Rollups(string service, TimeSpan resolution, DateTimeOffset from, DateTimeOffset to, string? cluster = null) =>
        Query(
            """
            SELECT service, cluster, resolution, bucket, requests, success, server_errors, timeouts, transport_errors, slow, rejected, fallbacks,
                retries, caller_failures, latency_sum_ms, latency_counts, reports
            FROM telemetry_rollups
            WHERE service = @s AND resolution = @r AND bucket >= @from AND bucket < @to AND (@c IS NULL OR cluster = @c)
            ORDER BY bucket, cluster
            """,
            ReadRollup,
            ("@s", service), ("@r", (long)resolution.TotalSeconds), ("@from", from.ToUnixTimeSeconds()), ("@to", to.ToUnixTimeSeconds()), ("@c", cluster));

    /// <summary>Reads the columns service, cluster, resolution, bucket, requests ... reports of <c>telemetry_rollups</c>, in that order.</summary>
    private static TelemetryRollup ReadRollup(System.Data.Common.DbDataReader r) => new(
        r.GetString(0), r.GetString(1), TimeSpan.FromSeconds(r.GetInt64(2)), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(3)),
        r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11),
        r.GetInt64(12), r.GetInt64(13), r.GetDouble(14), ParseCounts(r.GetString(15)), r.GetInt64(16));

    /// <summary>Requests to <paramref name="cluster"/> from every calling service, summed per bucket at <paramref name="resolution"/>,
    /// with buckets in [from, to), oldest first: requests, caller failures, and the latency buckets added up.</summary>
    public IReadOnlyList<(DateTimeOffset Bucket, long Requests, long[] LatencyCounts)> RollupsTo(string cluster, TimeSpan resolution, DateTimeOffset from, DateTimeOffset to) =>
        Query(
            "SELECT bucket, requests, latency_counts FROM telemetry_rollups WHERE cluster = @c AND resolution = @r AND bucket >= @from AND bucket < @to ORDER BY bucket",
            r => (DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(0)), r.GetInt64(1), ParseCounts(r.GetString(2))),
            ("@c", cluster), ("@r", (long)resolution.TotalSeconds), ("@from", from.ToUnixTimeSeconds()), ("@to", to.ToUnixTimeSeconds()))
        .GroupBy(r => r.Item1)
        .Select(g => (g.Key, g.Aggregate(0L, (sum, r) => Saturating.Add(sum, r.Item2)), g.Select(r => r.Item3).Aggregate(Array.Empty<long>(), Add)))
        .ToList();

    /// <summary>The resource rollups of <paramref name="service"/> at <paramref name="resolution"/> with buckets in [from, to), oldest first.</summary>
    public IReadOnlyList<ResourceRollup> ResourceRollups(string service, TimeSpan resolution, DateTimeOffset from, DateTimeOffset to) =>
        Query(
            """
            SELECT service, instance, target, resolution, bucket, samples, working_set_max, gc_heap_max, threads_max, handles_max, connections_max,
                memory_limit, max_handles
            FROM resource_rollups WHERE service = @s AND resolution = @r AND bucket >= @from AND bucket < @to ORDER BY bucket, instance, target
            """,
            r => new ResourceRollup(
                r.GetString(0), r.GetString(1), r.GetString(2), TimeSpan.FromSeconds(r.GetInt64(3)), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(4)),
                r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12)),
            ("@s", service), ("@r", (long)resolution.TotalSeconds), ("@from", from.ToUnixTimeSeconds()), ("@to", to.ToUnixTimeSeconds()));

    /// <summary>Deletes buckets older than their resolution's retention at <paramref name="now"/>, and replica history older than the 1 min rollups'.</summary>
    /// <returns>How many rows were deleted.</returns>
    public int PruneRollups(DateTimeOffset now, IReadOnlyList<(TimeSpan Resolution, TimeSpan Retention)> retention) => InTransaction(() =>
    {
        var deleted = 0;
        foreach (var (resolution, keep) in retention)
        {
            var cutoff = (now - keep).ToUnixTimeSeconds();
            foreach (var table in (string[])["telemetry_rollups", "resource_rollups"])
            {
                deleted += Execute($"DELETE FROM {table} WHERE resolution = @r AND bucket < @cut", ("@r", (long)resolution.TotalSeconds), ("@cut", cutoff));
            }

            // Replica history is per minute: it is kept as long as the per-minute rollups it is read with.
            if (resolution == TimeSpan.FromMinutes(1))
            {
                deleted += Execute("DELETE FROM replica_history WHERE minute < @cut", ("@cut", cutoff));
            }
        }

        return deleted;
    });

    // Sums saturate rather than overflow: SQLite turns an integer overflow into an imprecise REAL, PostgreSQL fails the
    // statement, and a REAL sum may reach infinity.
    private static readonly string AddToRollup = $"""
        UPDATE telemetry_rollups SET
            requests = {Sum("requests", "@req")}, success = {Sum("success", "@ok")}, server_errors = {Sum("server_errors", "@e5")},
            timeouts = {Sum("timeouts", "@to")}, transport_errors = {Sum("transport_errors", "@te")}, slow = {Sum("slow", "@slow")},
            rejected = {Sum("rejected", "@rej")}, fallbacks = {Sum("fallbacks", "@fb")}, retries = {Sum("retries", "@rt")},
            caller_failures = {Sum("caller_failures", "@cf")},
            latency_sum_ms = CASE WHEN @sum > 0 AND latency_sum_ms > {MaxReal} - @sum THEN {MaxReal} ELSE latency_sum_ms + @sum END,
            latency_counts = @lc, reports = {Sum("reports", "@n")}
        WHERE service = @s AND cluster = @c AND resolution = @r AND bucket = @b
        """;

    private const string MaxReal = "1.7976931348623157e308";

    // Counts are never negative here (the validator refuses them), so only the upper end needs guarding.
    private static string Sum(string column, string parameter) =>
        $"CASE WHEN {parameter} > 0 AND {column} > 9223372036854775807 - {parameter} THEN 9223372036854775807 ELSE {column} + {parameter} END";

    private static long[] ParseCounts(string text) =>
        text.Length == 0 ? [] : text.Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    private static string FormatCounts(long[] counts) => string.Join(',', counts.Select(c => c.ToString(CultureInfo.InvariantCulture)));

    private static long[] Add(long[] a, long[] b)
    {
        var sum = new long[Math.Max(a.Length, b.Length)];
        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] = Saturating.Add(i < a.Length ? a[i] : 0, i < b.Length ? b[i] : 0);
        }

        return sum;
    }
}
