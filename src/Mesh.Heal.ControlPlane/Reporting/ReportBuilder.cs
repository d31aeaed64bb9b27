using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Protocol.Reporting;

namespace Mesh.Heal.ControlPlane.Reporting;

/// <summary>Computes the product's four figures from the store alone: availability seen by callers, incident response,
/// the share of incidents mitigated with no operator, and capacity provisioned against static peak.</summary>
/// <remarks>
/// <para>Availability is <c>1 - caller_failures / requests</c> over the telemetry rollups (a request a fallback answered is
/// not a caller failure), at the finest resolution still kept for the whole window (1 s up to 1 h, 1 min up to 7 days, else 1 h).</para>
/// <para>An incident is an issue first seen in the window, of severity above info (an info finding asks for nothing). Its failure burst is the run of 1 s buckets with upstream-side
/// failures on the edges of the issue's service, as caller or as called cluster (the agents name an unhealthy upstream's
/// issue after the cluster) (server errors, timeouts, transport errors), consecutive buckets at most
/// <see cref="BurstGap"/> apart, that reaches first_seen (its last bucket before first_seen ends within <see cref="BurstGap"/> of it),
/// looked for up to <see cref="Lookback"/> back. Time to detect is first_seen minus the burst's first bucket; the time the
/// unprotected path stayed broken is the whole burst, from its first bucket to the end of its last (continuing after first_seen);
/// an issue with no such burst (a latency or resource issue) has neither. An incident is mitigated at the earlier of: the
/// sidecars shielding its callers (within the burst, the end of the last second a caller failed, or the burst's start when no
/// caller did, provided the upstream went on failing at least <see cref="BurstGap"/> after it with no caller failing: the
/// breakers and fallbacks, not the upstream's recovery, ended the callers' failures), which counts as mitigated with no
/// operator; and the first <c>action.applied</c> audit entry of one of the issue's actions (not dry runs), where an action of
/// mode <c>auto</c> counts as mitigated with no operator and one a person approved as mitigated by an operator. Time to
/// mitigate runs from the burst's first bucket, like the time the unprotected path stayed broken, so the two compare; an
/// issue with no burst has it from first_seen.</para>
/// <para>Capacity: static peak provisioning (enough replicas for the window's peak demand, held all the time) against what was
/// provisioned, over the minutes of the window with replica history (the leader records it each coordinator run: the HPA's
/// replicas, else the connected sidecars, the most per minute; and the capacity planner's recommendation). A service's demand
/// per minute is what callers sent the cluster of its name, from the 1 min rollups, or, when no caller in the mesh calls it,
/// what its own sidecars proxied (an entry service); the minute still running is divided by the seconds it has run. Its
/// per-replica capacity is the newest one recorded in the window (the capacity planner's, measured from load against p99
/// latency or configured, else the configured one). Replicas needed in a minute are ceil(demand / per-replica capacity), at
/// least one; the static peak is the most needed in any minute, or, with no per-replica capacity or no demand, the most in
/// service. Provisioned replica-minutes are the replicas in service summed over the minutes; the static peak's are the peak
/// times the minutes; the reduction is one minus their ratio. The planner's recommendations (the newest at or before each
/// minute) are compared with the same static peak over the minutes they cover. A minute is saturated when its demand exceeds
/// the replicas provisioned times the per-replica capacity; without that capacity saturation is n/a, with the reason.
/// Replica history is kept as long as the 1 min rollups (7 days), so a longer window covers what is kept.</para>
/// </remarks>
internal sealed class ReportBuilder(MeshStore store, TimeProvider time)
{
    /// <summary>The largest gap between two failing 1 s buckets of one burst.</summary>
    public static readonly TimeSpan BurstGap = TimeSpan.FromSeconds(2);

    /// <summary>How far before first_seen a burst's start is looked for.</summary>
    public static readonly TimeSpan Lookback = TimeSpan.FromMinutes(10);

    /// <summary>The stored severity of an info finding (<see cref="Mesh.Heal.Healing.FindingSeverity.Info"/>), which is not an incident.</summary>
    private static readonly string InfoSeverity = nameof(Mesh.Heal.Healing.FindingSeverity.Info).ToLowerInvariant();

    /// <summary>What the capacity figure says when the window holds no replica history.</summary>
    public const string CapacityUnavailable =
        "n/a: no replica history in the window (the leader records it each coordinator run, per minute: the HPA's replicas when the capacity collector reads one, else the connected sidecars)";

    /// <summary>The report over the <paramref name="since"/> before now.</summary>
    public MeshReport Build(TimeSpan since)
    {
        var to = time.GetUtcNow();
        var from = to - since;
        var resolution = since <= TimeSpan.FromHours(1) ? TimeSpan.FromSeconds(1) : since <= TimeSpan.FromDays(7) ? TimeSpan.FromMinutes(1) : TimeSpan.FromHours(1);
        var totals = store.RequestTotals(resolution, Floor(from, resolution), to + resolution).ToDictionary(t => t.Service, StringComparer.Ordinal);
        // An info finding "asks for nothing" (a tuning suggestion, a plan not made yet): it is not an incident.
        var issues = store.IssuesFirstSeen(from, to).Where(i => i.Severity != InfoSeverity).ToList();
        var applied = store.AppliedTimes(from);

        var incidents = issues.Select(issue => Measure(issue, applied, to)).ToList();
        var capacity = CapacityComparison.Compute(store, from, to);
        var services = totals.Keys.Concat(incidents.Select(i => i.Service)).Concat(capacity.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(s => Figures(s, totals.TryGetValue(s, out var t) ? (t.Requests, t.CallerFailures) : (0, 0), incidents.Where(i => i.Service == s).ToList())
                with { Capacity = capacity.GetValueOrDefault(s) })
            .ToList();
        var mesh = CapacityFigures.Sum([.. capacity.Values]);
        var overall = Figures(
            "", (totals.Values.Sum(t => t.Requests), totals.Values.Sum(t => t.CallerFailures)), incidents) with { Capacity = mesh };
        return new MeshReport(from, to, services, overall, mesh?.Summary() ?? CapacityUnavailable);
    }

    private Incident Measure(StoredIssue issue, IReadOnlyDictionary<string, DateTimeOffset> applied, DateTimeOffset to)
    {
        var buckets = store.FailureBuckets(issue.Service, issue.FirstSeen - Lookback, to);
        var failing = buckets.Where(b => b.Upstream).Select(b => b.Bucket).ToList();
        TimeSpan? detect = null;
        TimeSpan? broken = null;
        DateTimeOffset? onset = null;
        DateTimeOffset? shielded = null;
        var last = -1;
        for (var i = 0; i < failing.Count && failing[i] <= issue.FirstSeen; i++)
        {
            last = i;
        }

        if (last >= 0 && issue.FirstSeen - (failing[last] + TimeSpan.FromSeconds(1)) <= BurstGap)
        {
            var first = last;
            while (first > 0 && failing[first] - failing[first - 1] <= BurstGap)
            {
                first--;
            }

            var end = last;
            while (end + 1 < failing.Count && failing[end + 1] - failing[end] <= BurstGap)
            {
                end++;
            }

            onset = failing[first];
            var burstEnd = failing[end] + TimeSpan.FromSeconds(1);
            detect = issue.FirstSeen - failing[first];
            broken = burstEnd - failing[first];
            shielded = Shielded(buckets, failing[first], burstEnd);
        }

        var action = store.Actions(null, null, 1000, issueId: issue.Id)
            .Where(a => !a.DryRun && applied.ContainsKey(a.Id))
            .Select(a => (Action: a, At: applied[a.Id]))
            .OrderBy(a => a.At)
            .FirstOrDefault();

        // The earlier of the sidecars shielding the callers and the first applied action mitigated the incident.
        var (mitigated, at) = (action.Action, shielded) switch
        {
            (null, null) => (Mitigation.None, (DateTimeOffset?)null),
            (null, { } s) => (Mitigation.Automatic, s),
            ({ } a, { } s) when s <= action.At => (Mitigation.Automatic, s),
            ({ } a, _) => (a.Mode == "auto" ? Mitigation.Automatic : Mitigation.Operator, action.At),
        };
        TimeSpan? mitigate = at is { } m ? Max(m - (onset ?? issue.FirstSeen), TimeSpan.Zero) : null;
        return new Incident(issue.Service, detect, mitigate, broken, mitigated);
    }

    /// <summary>When the sidecars shielded the callers from a burst of upstream failures in [onset, end): the end of the last
    /// second a caller failed in it (the onset when none did), provided the upstream went on failing at least
    /// <see cref="BurstGap"/> after it with no caller failing; null when callers failed until the burst ended (the upstream's
    /// own recovery ended it, not protection).</summary>
    private static DateTimeOffset? Shielded(IReadOnlyList<(DateTimeOffset Bucket, bool Upstream, bool Caller)> buckets, DateTimeOffset onset, DateTimeOffset end)
    {
        var callers = buckets.Where(b => b.Caller && b.Bucket >= onset && b.Bucket < end).Select(b => b.Bucket).ToList();
        var from = callers.Count == 0 ? onset : callers[^1] + TimeSpan.FromSeconds(1);
        return end - from >= BurstGap ? from : null;
    }

    private static ServiceFigures Figures(string service, (long Requests, long CallerFailures) counts, IReadOnlyList<Incident> incidents) => new(
        service,
        counts.Requests,
        counts.CallerFailures,
        counts.Requests == 0 ? null : 1 - ((double)counts.CallerFailures / counts.Requests),
        incidents.Count,
        Spread.Of(incidents.Where(i => i.Detect is not null).Select(i => i.Detect!.Value)),
        Spread.Of(incidents.Where(i => i.Mitigate is not null).Select(i => i.Mitigate!.Value)),
        Spread.Of(incidents.Where(i => i.Broken is not null).Select(i => i.Broken!.Value)),
        incidents.Count(i => i.Mitigated == Mitigation.Automatic),
        incidents.Count(i => i.Mitigated == Mitigation.Operator),
        incidents.Count(i => i.Mitigated == Mitigation.None));

    private static DateTimeOffset Floor(DateTimeOffset at, TimeSpan resolution) =>
        DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds() / (long)resolution.TotalSeconds * (long)resolution.TotalSeconds);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private enum Mitigation
    {
        None,
        Automatic,
        Operator,
    }

    private sealed record Incident(string Service, TimeSpan? Detect, TimeSpan? Mitigate, TimeSpan? Broken, Mitigation Mitigated);
}
