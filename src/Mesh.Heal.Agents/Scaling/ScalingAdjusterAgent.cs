using System.Globalization;
using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.Healing;

namespace Mesh.Heal.Agents.Scaling;

/// <summary>Judges every scale-up and scale-down of an autoscaled service against the load that followed, and tunes its
/// HPA when a replay of the same load under another target or stabilization would have scaled it with fewer wrong events.</summary>
/// <remarks>
/// A <c>scaling.accuracy</c> finding carries the share of correct events and the count of each verdict (a warning under
/// <see cref="ScalingAdjusterAgentOptions.MinimumAccuracy"/>); two flaps or more are a <c>scaling.flapping</c> warning.
/// A better policy becomes <c>scaling.tune</c>: low risk, applied automatically, when the target moves by at most
/// <see cref="ScalingAdjusterAgentOptions.AutoTargetStep"/> and each window by at most
/// <see cref="ScalingAdjusterAgentOptions.AutoStabilizationStep"/>; medium and proposed otherwise. Its rollback writes the
/// previous values back. The capacity per replica is the planner's (configured or measured at the latency knee).
/// </remarks>
public sealed class ScalingAdjusterAgent(ScalingAdjusterAgentOptions? options = null) : IHealingAgent
{
    /// <summary>The agent's name.</summary>
    public const string AgentName = "scaling-adjuster";

    private readonly ScalingAdjusterAgentOptions _options = options ?? new ScalingAdjusterAgentOptions();

    /// <inheritdoc/>
    public string Name => AgentName;

    /// <inheritdoc/>
    public IReadOnlyList<SnapshotSliceKey> Reads { get; } = [LoadsSlice.Key, EdgesSlice.Key];

    /// <inheritdoc/>
    public AgentOutput Analyze(MeshSnapshot snapshot, string service, CancellationToken cancellationToken)
    {
        var output = new AgentOutput(Name, service, AgentStatus.Ok, snapshot.Time);
        var load = snapshot.Get(LoadsSlice.Key).Of(service);
        if (load?.Hpa is not { } hpa || load.Recent.Count < _options.MinimumSamples)
        {
            return output;
        }

        double capacity;
        try
        {
            capacity = load.Planner.CapacityPerReplica
                ?? CapacityPlanner.EstimateCapacity(load.Recent.Where(r => r.Replicas > 0).Select(r => (r.Load / r.Replicas, r.P99Ms)).ToList(), load.Planner.LatencyObjectiveMs).Capacity;
        }
        catch (ArgumentException)
        {
            return output;
        }

        var samples = load.Recent.Select(r => new ScalingSample(r.Time, r.Load, r.Replicas)).ToList();
        var judge = new ScalingJudgeOptions { Tolerance = hpa.Tolerance, Window = _options.JudgeWindow, FlapWindow = _options.FlapWindow };
        var recorded = ScalingAnalysis.Judge(samples, capacity, hpa.TargetUtilization, judge);
        cancellationToken.ThrowIfCancellationRequested();
        var suggestion = ScalingAnalysis.Suggest(samples, capacity, hpa, judge);
        var verdicts = recorded.Events.GroupBy(e => e.Verdict).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["events"] = recorded.Events.Count.ToString(CultureInfo.InvariantCulture),
            ["accuracy"] = Invariant($"{recorded.Accuracy:0.###}"),
            ["verdicts"] = string.Join(", ", verdicts.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key} {v.Value}")),
            ["saturatedShare"] = Invariant($"{recorded.SaturatedShare:0.####}"),
            ["capacityPerReplica"] = Invariant($"{capacity:0.##}"),
            ["policy"] = hpa.ToString(),
            ["replayCurrent"] = Replay(suggestion.CurrentReport),
            ["replaySuggested"] = Replay(suggestion.SuggestedReport),
            ["suggested"] = suggestion.Suggested.ToString(),
        };
        var findings = new List<Finding>();
        if (recorded.Events.Count > 0)
        {
            findings.Add(new Finding(
                "scaling.accuracy", service,
                Invariant($"{service}: {recorded.Events.Count(e => e.Correct)} of {recorded.Events.Count} scaling events were right ({recorded.Accuracy:P0}; {evidence["verdicts"]})"),
                recorded.Events.Count >= _options.MinimumEvents && recorded.Accuracy < _options.MinimumAccuracy ? FindingSeverity.Warning : FindingSeverity.Info, 0.9)
            {
                Evidence = evidence,
            });
        }

        var flaps = verdicts.GetValueOrDefault("flap");
        if (flaps >= 2)
        {
            findings.Add(new Finding("scaling.flapping", service,
                Invariant($"{service} flapped: {flaps} scaling events reversed within {judge.FlapWindow.TotalMinutes:0} min under {hpa}"), FindingSeverity.Warning, 0.9)
            {
                Evidence = evidence,
            });
        }

        var actions = new List<HealingAction>();
        var better = suggestion.Changes && (suggestion.SuggestedReport.Wrong < suggestion.CurrentReport.Wrong || suggestion.SuggestedReport.SaturatedShare < suggestion.CurrentReport.SaturatedShare);
        if (better && findings.FirstOrDefault(f => f.Severity >= FindingSeverity.Warning) is { } answered)
        {
            actions.Add(Tune(service, hpa, suggestion, answered, snapshot, samples[^1].Time - samples[0].Time));
        }

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["events"] = recorded.Events.Count,
            ["accuracy"] = recorded.Accuracy,
            ["saturatedShare"] = recorded.SaturatedShare,
            ["replayWrongCurrent"] = suggestion.CurrentReport.Wrong,
            ["replayWrongSuggested"] = suggestion.SuggestedReport.Wrong,
        };
        return output with { Status = AgentOutput.StatusFor(findings), Findings = findings, Actions = actions, Metrics = metrics };
    }

    private HealingAction Tune(string service, HpaPolicy hpa, ScalingSuggestion suggestion, Finding finding, MeshSnapshot snapshot, TimeSpan replayed)
    {
        var to = suggestion.Suggested;
        var changes = new List<HpaFieldChange>();
        var before = new List<string>();
        var after = new List<string>();
        void Change(HpaField field, double fromValue, double toValue, string from, string value)
        {
            changes.Add(new HpaFieldChange(field, toValue) { Previous = fromValue });
            before.Add($"-  {HpaFields.Name(field)}: {from}");
            after.Add($"+  {HpaFields.Name(field)}: {value}");
        }

        if (to.TargetUtilization != hpa.TargetUtilization)
        {
            Change(HpaField.TargetUtilization, hpa.TargetUtilization, to.TargetUtilization, Invariant($"{hpa.TargetUtilization:0.##}"), Invariant($"{to.TargetUtilization:0.##}"));
        }

        if (to.ScaleUpStabilization != hpa.ScaleUpStabilization)
        {
            Change(HpaField.ScaleUpStabilization, Math.Round(hpa.ScaleUpStabilization.TotalSeconds), Math.Round(to.ScaleUpStabilization.TotalSeconds), Invariant($"{hpa.ScaleUpStabilization.TotalSeconds:0}"), Invariant($"{to.ScaleUpStabilization.TotalSeconds:0}"));
        }

        if (to.ScaleDownStabilization != hpa.ScaleDownStabilization)
        {
            Change(HpaField.ScaleDownStabilization, Math.Round(hpa.ScaleDownStabilization.TotalSeconds), Math.Round(to.ScaleDownStabilization.TotalSeconds), Invariant($"{hpa.ScaleDownStabilization.TotalSeconds:0}"), Invariant($"{to.ScaleDownStabilization.TotalSeconds:0}"));
        }

        var small = Math.Abs(to.TargetUtilization - hpa.TargetUtilization) <= _options.AutoTargetStep + 1e-9
            && (to.ScaleUpStabilization - hpa.ScaleUpStabilization).Duration() <= _options.AutoStabilizationStep
            && (to.ScaleDownStabilization - hpa.ScaleDownStabilization).Duration() <= _options.AutoStabilizationStep;
        return new HealingAction(
            "scaling.tune", new HpaChange(service, changes),
            Invariant($"change {service}'s HPA to {to}: replaying the last {Mesh.Heal.Policy.DurationParser.Format(TimeSpan.FromSeconds(Math.Round(replayed.TotalSeconds)))} of load, {Replay(suggestion.SuggestedReport)} against {Replay(suggestion.CurrentReport)}"),
            small ? ActionRisk.Low : ActionRisk.Medium)
        {
            RollbackPlan = $"write {service}'s HPA back to {hpa}",
            FindingKind = finding.Kind,
            FindingSubject = finding.Subject,
            Signal = snapshot.Get(EdgesSlice.Key).CallersOf(service).Select(e => new EdgeId(e.Caller, e.Cluster)).Distinct().ToList(),
            Diff = $"--- hpa/{service}\n+++ hpa/{service}\n{string.Join('\n', before)}\n{string.Join('\n', after)}\n",
        };
    }

    private static string Replay(ScalingReport r) => Invariant($"{r.Events.Count} events, {r.Wrong} wrong, saturated {r.SaturatedShare:P1}, {r.ReplicaHours:0.#} replica-hours");

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}

/// <summary>The scaling adjuster's thresholds; <c>ControlPlane:Agents:Scaling</c>.</summary>
public sealed class ScalingAdjusterAgentOptions
{
    /// <summary>The fewest minutes of history judged. Default 30.</summary>
    public int MinimumSamples { get; set; } = 30;

    /// <summary>The fewest events before a low accuracy is a warning. Default 3.</summary>
    public int MinimumEvents { get; set; } = 3;

    /// <summary>The accuracy under which the scaling is a warning. Default 0.8.</summary>
    public double MinimumAccuracy { get; set; } = 0.8;

    /// <summary>The largest change of the target applied automatically. Default 0.1.</summary>
    public double AutoTargetStep { get; set; } = 0.1;

    /// <summary>The largest change of a stabilization window applied automatically. Default 5 min.</summary>
    public TimeSpan AutoStabilizationStep { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long after (and before) an event its load is read to judge it. Default 10 min.</summary>
    public TimeSpan JudgeWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>An event reversed within this is a flap. Default 15 min.</summary>
    public TimeSpan FlapWindow { get; set; } = TimeSpan.FromMinutes(15);
}
