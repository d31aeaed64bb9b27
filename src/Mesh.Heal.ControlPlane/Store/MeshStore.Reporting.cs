using System.Globalization;

namespace Mesh.Heal.ControlPlane.Store;

internal sealed partial class MeshStore
{
    /// <summary>Requests and caller failures per service, summed over every cluster and bucket at <paramref name="resolution"/> in [from, to).</summary>
    public IReadOnlyList<(string Service, long Requests, long CallerFailures)> RequestTotals(TimeSpan resolution, DateTimeOffset from, DateTimeOffset to) =>
        Query(
            """
            SELECT service, SUM(requests), SUM(caller_failures) FROM telemetry_rollups
            WHERE resolution = @r AND bucket >= @from AND bucket < @to GROUP BY service ORDER BY service
            """,
            r => (r.GetString(0), Long(r.GetValue(1)), Long(r.GetValue(2))),
            ("@r", (long)resolution.TotalSeconds), ("@from", from.ToUnixTimeSeconds()), ("@to", to.ToUnixTimeSeconds()));

    /// <summary>The 1 s buckets in [from, to) with failures on the edges of <paramref name="service"/>, as the caller or as
    /// the called cluster, oldest first: whether the upstream failed in it (server errors, timeouts, transport errors) and
    /// whether a caller did (what no retry or fallback saved).</summary>
    public IReadOnlyList<(DateTimeOffset Bucket, bool Upstream, bool Caller)> FailureBuckets(string service, DateTimeOffset from, DateTimeOffset to) =>
        Query(
            """
            SELECT bucket, SUM(server_errors + timeouts + transport_errors), SUM(caller_failures) FROM telemetry_rollups
            WHERE (service = @s OR cluster = @s) AND resolution = 1 AND bucket >= @from AND bucket < @to
            GROUP BY bucket HAVING SUM(server_errors + timeouts + transport_errors + caller_failures) > 0 ORDER BY bucket
            """,
            r => (DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(0)), Long(r.GetValue(1)) > 0, Long(r.GetValue(2)) > 0),
            ("@s", service), ("@from", from.ToUnixTimeSeconds()), ("@to", to.ToUnixTimeSeconds()));

    /// <summary>The issues first seen in [from, to), oldest first.</summary>
    public IReadOnlyList<StoredIssue> IssuesFirstSeen(DateTimeOffset from, DateTimeOffset to) =>
        Query(
            """
            SELECT id, fingerprint, service, services, kind, severity, state, summary, first_seen, last_seen, occurrences, details FROM issues
            WHERE first_seen >= @from AND first_seen < @to ORDER BY first_seen, id
            """,
            ReadIssue,
            ("@from", from.ToUnixTimeMilliseconds()), ("@to", to.ToUnixTimeMilliseconds()));

    /// <summary>When each action was first applied, from the audit log's <c>action.applied</c> entries at or after <paramref name="from"/>.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> AppliedTimes(DateTimeOffset from) =>
        Query(
            "SELECT subject, MIN(at) FROM audit_log WHERE kind = 'action.applied' AND at >= @from GROUP BY subject",
            r => (r.GetString(0), FromMs(Long(r.GetValue(1)))),
            ("@from", from.ToUnixTimeMilliseconds()))
        .ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);

    // PostgreSQL's SUM over BIGINT is NUMERIC; SQLite's is INTEGER.
    private static long Long(object value) => value is DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
