using System.Globalization;
using Mesh.Heal.Agents.Anomalies;
using Mesh.Heal.Healing;

namespace Mesh.Heal.Agents.Resources;

/// <summary>Finds resources that leak towards their limit, says when they will reach it, and has the leaking replica
/// cleaned up before then, one replica at a time; reports the streaming detectors' anomalies as findings.</summary>
/// <remarks>
/// <para>
/// Every resource series of the service (<see cref="ResourcesSlice.Series"/>) goes through <see cref="LeakDetector"/>,
/// from the last cleanup of its instance on: a cleaned replica starts a new series. A leak is a <c>resource.leak</c>
/// finding whose severity follows the time to exhaustion (hours critical, days warning).
/// </para>
/// <para>
/// When the service has a cleanup configured (<see cref="ResourcesSlice.Cleanups"/>), the instance whose interval starts
/// soonest gets a <c>resource.cleanup</c> action once that start is within <see cref="ResourceExhaustionAgentOptions.CleanupLead"/>.
/// No second cleanup of the service is proposed while one is in flight, so replicas are cleaned one at a time and the
/// others keep serving. The action is medium risk: a cleanup drops the replica's state and cannot be undone.
/// </para>
/// </remarks>
public sealed class ResourceExhaustionAgent : IHealingAgent
{
    /// <summary>The agent's name.</summary>
    public const string AgentName = "resource-exhaustion";

    /// <summary>The kind of the cleanup action.</summary>
    public const string CleanupKind = "resource.cleanup";

    private readonly ResourceExhaustionAgentOptions _options;

    /// <summary>Creates the agent with <paramref name="options"/>, or the defaults.</summary>
    public ResourceExhaustionAgent(ResourceExhaustionAgentOptions? options = null) => _options = options ?? new ResourceExhaustionAgentOptions();

    /// <inheritdoc/>
    public string Name => AgentName;

    /// <inheritdoc/>
    public IReadOnlyList<SnapshotSliceKey> Reads { get; } = [ResourcesSlice.Key, AnomaliesSlice.Key, HealingHistorySlice.Key, EdgesSlice.Key];

    /// <inheritdoc/>
    public AgentOutput Analyze(MeshSnapshot snapshot, string service, CancellationToken cancellationToken)
    {
        var findings = new List<Finding>();
        var leaks = new List<(ResourceSeries Series, LeakVerdict Verdict, Finding Finding)>();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var series in snapshot.Get(ResourcesSlice.Key).Series.Where(r => r.Service == service))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var cleaned = LastCleanup(snapshot, service, series.Instance);
            var points = cleaned is { } at ? series.Points.Where(p => p.Time > at).ToList() : series.Points;
            var verdict = LeakDetector.Analyze(points, series.Limit, _options.Detector);
            if (verdict.TimeToExhaustionHours is { } hours)
            {
                metrics[$"{series.Instance}/{series.Resource}.hoursToExhaustion"] = hours;
            }

            if (verdict.Leak)
            {
                var finding = LeakFinding(service, series, verdict);
                findings.Add(finding);
                leaks.Add((series, verdict, finding));
            }
        }

        findings.AddRange(snapshot.Get(AnomaliesSlice.Key).Readings
            .Where(a => a.Service == service && a.Score >= _options.AnomalyThreshold)
            .Select(a => AnomalyFinding(a)));
        var actions = Cleanup(snapshot, service, leaks);
        return new AgentOutput(Name, service, AgentOutput.StatusFor(findings), snapshot.Time) { Findings = findings, Actions = actions, Metrics = metrics };
    }

    private Finding LeakFinding(string service, ResourceSeries series, LeakVerdict verdict)
    {
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["instance"] = series.Instance,
            ["resource"] = series.Resource,
            ["source"] = series.Source,
            ["shape"] = verdict.KindName,
            ["slopePerHour"] = Number(verdict.SlopePerHour),
            ["slopeInterval"] = $"{Number(verdict.SlopeLower)}..{Number(verdict.SlopeUpper)}",
            ["level"] = Number(verdict.Level),
            ["points"] = series.Points.Count.ToString(CultureInfo.InvariantCulture),
        };
        string when;
        if (series.Limit is { } limit && verdict.TimeToExhaustionHours is { } hours)
        {
            evidence["limit"] = Number(limit);
            evidence["hoursToExhaustion"] = Number(hours);
            evidence["hoursInterval"] = $"{Number(verdict.LowerHours ?? 0)}..{(verdict.UpperHours is { } u ? Number(u) : "never")}";
            when = $"reaches its limit {Amount(series.Resource, limit)} in {Duration(hours)} (95 %: {Duration(verdict.LowerHours ?? 0)} to {(verdict.UpperHours is { } up ? Duration(up) : "never")})";
        }
        else
        {
            when = "no limit is known, so no time to exhaustion";
        }

        return new Finding(
            "resource.leak", $"{series.Instance}/{series.Resource}",
            $"{series.Resource} of {service} instance {series.Instance} leaks {Amount(series.Resource, verdict.SlopePerHour)}/h ({series.Source}); {when}",
            verdict.Severity, Math.Round(verdict.Confidence, 4))
        {
            Evidence = evidence,
        };
    }

    private Finding AnomalyFinding(AnomalyReading a) =>
        new(
            "anomaly." + a.Metric, a.Subject,
            $"{a.Metric} of {a.Subject} is {Number(a.Value)} where {Number(a.Expected)} was expected (anomaly score {a.Score:0.00})",
            a.Score >= _options.AnomalyWarning ? FindingSeverity.Warning : FindingSeverity.Info, Math.Round(a.Score, 4))
        {
            Evidence = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["value"] = Number(a.Value),
                ["expected"] = Number(a.Expected),
                ["score"] = Number(a.Score),
                ["at"] = a.Time.ToString("O", CultureInfo.InvariantCulture),
            },
        };

    private List<HealingAction> Cleanup(MeshSnapshot snapshot, string service, List<(ResourceSeries Series, LeakVerdict Verdict, Finding Finding)> leaks)
    {
        if (!snapshot.Get(ResourcesSlice.Key).Cleanups.TryGetValue(service, out var method) || snapshot.Get(HealingHistorySlice.Key).Actions.Any(a => a.Kind == CleanupKind && a.InFlight && a.Service == service))
        {
            return [];
        }

        var urgent = leaks
            .Where(l => l.Verdict.LowerHours is { } lower && lower <= _options.CleanupLead.TotalHours)
            .OrderBy(l => l.Verdict.LowerHours)
            .FirstOrDefault();
        if (urgent.Series is not { } series)
        {
            return [];
        }

        var replicas = snapshot.Get(ResourcesSlice.Key).Series.Where(r => r.Service == service).Select(r => r.Instance).Distinct(StringComparer.Ordinal).Count();
        return
        [
            new HealingAction(
                CleanupKind, new Cleanup(service, series.Instance, series.Resource, method),
                $"clean up {service} instance {series.Instance} by {method} before its {series.Resource} reaches the limit "
                + $"(earliest in {Duration(urgent.Verdict.LowerHours ?? 0)}); {(replicas > 1 ? $"one of {replicas} replicas, the others keep serving" : "its only replica")}",
                ActionRisk.Medium)
            {
                RollbackPlan = $"a cleanup cannot be undone: the replica loses what it held. If its callers' failures rise after it, the coordinator records it as rolled back and proposes no cleanup of {service} for the cooldown; restore capacity by scaling {service} out",
                FindingKind = urgent.Finding.Kind,
                FindingSubject = urgent.Finding.Subject,
                Signal = snapshot.Get(EdgesSlice.Key).CallersOf(service).Select(e => new EdgeId(e.Caller, e.Cluster)).Distinct().ToList(),
                OneShot = true,
            },
        ];
    }

    private static DateTimeOffset? LastCleanup(MeshSnapshot snapshot, string service, string instance) =>
        snapshot.Get(HealingHistorySlice.Key).Actions
            .Where(a => a.Kind == CleanupKind && a.Target == $"{service}/{instance}" && a.State is "applied" or "succeeded" or "rolled_back")
            .Select(a => (DateTimeOffset?)a.UpdatedAt)
            .Max();

    // Memory in MiB or GiB; counts (handles, threads, connections) as they are.
    private static string Amount(string resource, double value) =>
        !resource.Contains("memory", StringComparison.Ordinal) ? Number(value)
        : Math.Abs(value) >= 1 << 30 ? $"{(value / (1 << 30)).ToString("0.##", CultureInfo.InvariantCulture)} GiB"
        : $"{(value / (1 << 20)).ToString("0.#", CultureInfo.InvariantCulture)} MiB";

    private static string Number(double value) => value.ToString(Math.Abs(value) >= 100 ? "0" : "0.###", CultureInfo.InvariantCulture);

    private static string Duration(double hours) =>
        hours < 1 / 60.0 ? $"{hours * 3600:0} s" : hours < 1 ? $"{hours * 60:0} min" : hours < 48 ? $"{hours:0.#} h" : $"{hours / 24:0.#} d";
}
