using System.Globalization;
using Mesh.Heal.Healing;

namespace Mesh.Heal.Agents.Capacity;

/// <summary>Forecasts each planned service's demand to its horizons (30, 60 and 90 days by default), warns before it outgrows its capacity, and
/// proposes raising (or lowering) the ceiling of its autoscaler to the replicas the forecast needs.</summary>
/// <remarks>
/// A <c>capacity.saturation</c> finding is critical when demand is expected to reach capacity within
/// <see cref="CapacityPlannerAgentOptions.CriticalWithin"/> or the first horizon's probability is at least one half, a warning
/// when the last horizon's reaches <see cref="CapacityPlannerAgentOptions.WarnProbability"/>. With an HPA, the
/// answer is <c>capacity.provision</c>: maxReplicas to the recommended count (medium risk, proposed). A service whose
/// recommended count is well under its ceiling and that will not saturate within the last horizon gets <c>capacity.oversized</c>
/// and a proposed <c>capacity.rightsize</c>, unless its ceiling was raised within the planning window. The capacity in force is the HPA's maxReplicas (the most it can scale to),
/// else the replicas serving now.
/// </remarks>
public sealed class CapacityPlannerAgent(CapacityPlannerAgentOptions? options = null) : IHealingAgent
{
    /// <summary>The agent's name.</summary>
    public const string AgentName = "capacity-planner";

    private readonly CapacityPlannerAgentOptions _options = options ?? new CapacityPlannerAgentOptions();

    /// <inheritdoc/>
    public string Name => AgentName;

    /// <inheritdoc/>
    public IReadOnlyList<SnapshotSliceKey> Reads { get; } = [LoadsSlice.Key, HealingHistorySlice.Key];

    /// <inheritdoc/>
    public AgentOutput Analyze(MeshSnapshot snapshot, string service, CancellationToken cancellationToken)
    {
        var load = snapshot.Get(LoadsSlice.Key).Of(service);
        var output = new AgentOutput(Name, service, AgentStatus.Ok, snapshot.Time);
        if (load is null || load.Demand.Count < _options.MinimumPoints)
        {
            return output;
        }

        var ceiling = load.Hpa?.MaxReplicas ?? Math.Max(1, load.Replicas);
        CapacityPlan plan;
        try
        {
            plan = CapacityPlanner.Plan(load.Demand, load.Recent.Where(r => r.Replicas > 0).Select(r => (r.Load / r.Replicas, r.P99Ms)).ToList(), ceiling, load.Planner);
        }
        catch (ArgumentException ex)
        {
            // Too little history, or no capacity to compare with: say so rather than guess.
            return output with
            {
                Findings = [new Finding("capacity.unknown", service, $"{service}: no capacity plan yet: {ex.Message.Split(" (Parameter")[0]}", FindingSeverity.Info, 1)],
            };
        }

        cancellationToken.ThrowIfCancellationRequested();
        var findings = new List<Finding>();
        var actions = new List<HealingAction>();
        var evidence = Evidence(plan, ceiling, load.Planner.EffectiveHorizons);
        var names = load.Planner.EffectiveHorizons.Select(CapacityPlannerOptions.Label).ToArray();
        var p = plan.SaturationProbability;
        var soon = plan.SaturationDate is { } at && at - snapshot.Time <= _options.CriticalWithin;
        if (soon || p[0] >= 0.5 || p[^1] >= _options.WarnProbability)
        {
            var severity = soon || p[0] >= 0.5 ? FindingSeverity.Critical : FindingSeverity.Warning;
            var when = plan.SaturationDate is { } date ? $"expected to reach it on {date:yyyy-MM-dd HH:mm:ss} UTC" : $"not expected to reach it within {names[^1]}";
            var saturation = new Finding(
                "capacity.saturation", service,
                Invariant($"{service}'s demand (now about {plan.Forecast.Level:0.#}/s, {Growth(plan)}) outgrows {ceiling} replicas ({plan.Capacity:0.#}/s): {when}; P(saturated) ") + string.Join(", ", p.Select((x, i) => Invariant($"{x:P0} within {names[i]}"))),
                severity, Math.Round(Math.Max(p[0], p[^1]), 4))
            {
                Evidence = evidence,
            };
            findings.Add(saturation);
            if (load.Hpa is { } hpa && plan.RecommendedReplicas > hpa.MaxReplicas)
            {
                actions.Add(Resize("capacity.provision", service, hpa.MaxReplicas, plan, saturation,
                    Invariant($"raise {service}'s HPA maxReplicas from {hpa.MaxReplicas} to {plan.RecommendedReplicas}, enough for {plan.PeakDemand:0.#}/s, which the {names[0]} forecast exceeds in at most {load.Planner.SaturationTarget:P1} of steps, with {load.Planner.Headroom:P0} headroom; a year at that ceiling costs {plan.RecommendedAnnualCost:0.##} against {plan.AnnualCost:0.##}")));
            }
        }
        else if (plan.RecommendedReplicas < ceiling - _options.OversizedMargin && p[^1] < 0.01)
        {
            var oversized = new Finding(
                "capacity.oversized", service,
                Invariant($"{service} needs {plan.RecommendedReplicas} replicas for the next {names[0]} ({plan.PeakDemand:0.#}/s, exceeded in at most {load.Planner.SaturationTarget:P1} of steps, with {load.Planner.Headroom:P0} headroom) and may scale to {ceiling}; a year at {plan.RecommendedReplicas} costs {plan.RecommendedAnnualCost:0.##} against {plan.AnnualCost:0.##}"),
                FindingSeverity.Info, 0.9)
            {
                Evidence = evidence,
            };
            findings.Add(oversized);
            // A ceiling raised within the planning window stays: lowering it again at once would make the planner flap.
            var raised = snapshot.Get(HealingHistorySlice.Key).Actions.Any(a => a.Kind == "capacity.provision" && a.Target == service && a.InForce
                && snapshot.Time - a.UpdatedAt < (load.Planner.PlanningWindow ?? load.Planner.EffectiveHorizons[0]));
            if (load.Hpa is { } hpa && !raised && Math.Max(plan.RecommendedReplicas, hpa.MinReplicas) < hpa.MaxReplicas)
            {
                var to = Math.Max(plan.RecommendedReplicas, hpa.MinReplicas);
                actions.Add(Resize("capacity.rightsize", service, hpa.MaxReplicas, plan with { RecommendedReplicas = to }, oversized,
                    Invariant($"lower {service}'s HPA maxReplicas from {hpa.MaxReplicas} to {to}: the {names[^1]} forecast never needs more")));
            }
        }
        else
        {
            findings.Add(new Finding("capacity.forecast", service,
                Invariant($"{service}: demand about {plan.Forecast.Level:0.#}/s, {Growth(plan)}; {ceiling} replicas ({plan.Capacity:0.#}/s) hold for {names[^1]} (P(saturated) {p[^1]:P1})"),
                FindingSeverity.Info, 0.9) { Evidence = evidence });
        }

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["capacityPerReplica"] = plan.CapacityPerReplica,
            ["recommendedReplicas"] = plan.RecommendedReplicas,
            ["growthPer30Days"] = plan.Forecast.Growth.MonthlyShare,
            ["annualCost"] = plan.AnnualCost,
            ["recommendedAnnualCost"] = plan.RecommendedAnnualCost,
        };
        for (var h = 0; h < load.Planner.EffectiveHorizons.Length; h++)
        {
            var label = CapacityPlannerOptions.Label(load.Planner.EffectiveHorizons[h]);
            metrics["forecast" + label] = plan.Forecast.At(snapshot.Time + load.Planner.EffectiveHorizons[h]).Value;
            metrics["saturationProbability" + label] = p[h];
        }

        return output with { Status = AgentOutput.StatusFor(findings), Findings = findings, Actions = actions, Metrics = metrics };
    }

    private static HealingAction Resize(string kind, string service, int from, CapacityPlan plan, Finding finding, string description) =>
        new(kind, new HpaChange(service, [new HpaFieldChange(HpaField.MaxReplicas, plan.RecommendedReplicas) { Previous = from }]), description, ActionRisk.Medium)
        {
            RollbackPlan = Invariant($"set {service}'s HPA maxReplicas back to {from}"),
            FindingKind = finding.Kind,
            FindingSubject = finding.Subject,
            Diff = Invariant($"--- hpa/{service}\n+++ hpa/{service}\n-  maxReplicas: {from}\n+  maxReplicas: {plan.RecommendedReplicas}\n"),
        };

    private static Dictionary<string, string> Evidence(CapacityPlan plan, int ceiling, TimeSpan[] horizons)
    {
        var f = plan.Forecast;
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["model"] = f.Model,
            ["backtestMase"] = Invariant($"{f.BacktestMase:0.000}"),
            ["demandNow"] = Invariant($"{f.Level:0.##}"),
            ["growthPer30Days"] = Invariant($"{f.Growth.MonthlyShare:0.####} ({f.Growth.MonthlyShareLower:0.####}..{f.Growth.MonthlyShareUpper:0.####})"),
            ["capacityPerReplica"] = Invariant($"{plan.CapacityPerReplica:0.##}"),
            ["capacityBasis"] = plan.CapacityBasis,
            ["replicas"] = ceiling.ToString(CultureInfo.InvariantCulture),
            ["capacity"] = Invariant($"{plan.Capacity:0.##}"),
            ["saturationDate"] = plan.SaturationDate?.ToString("O", CultureInfo.InvariantCulture) ?? "none within the last horizon",
            ["recommendedReplicas"] = plan.RecommendedReplicas.ToString(CultureInfo.InvariantCulture),
            ["annualCost"] = Invariant($"{plan.AnnualCost:0.##}"),
            ["recommendedAnnualCost"] = Invariant($"{plan.RecommendedAnnualCost:0.##}"),
            ["scheduledAnnualCost"] = Invariant($"{plan.ScheduledAnnualCost:0.##}"),
        };
        for (var h = 0; h < horizons.Length; h++)
        {
            var label = CapacityPlannerOptions.Label(horizons[h]);
            var point = f.At(f.Points[0].Time + horizons[h] - f.Step);
            evidence["forecast" + label] = Invariant($"{point.Value:0.##} ({point.Lower:0.##}..{point.Upper:0.##})");
            evidence["saturationProbability" + label] = Invariant($"{plan.SaturationProbability[h]:0.####}");
        }

        return evidence;
    }

    private static string Growth(CapacityPlan plan) => plan.Forecast.Growth.Days >= 3
        ? Invariant($"growing {plan.Forecast.Growth.MonthlyShare:P0} per 30 days")
        : "growth not told yet (under 3 days of history)";

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}

/// <summary>The capacity planner agent's thresholds; <c>ControlPlane:Agents:Capacity</c>.</summary>
public sealed class CapacityPlannerAgentOptions
{
    /// <summary>Saturation expected sooner than this is critical. Default 7 days.</summary>
    public TimeSpan CriticalWithin { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The probability of saturating within the last horizon that makes a warning. Default 0.2.</summary>
    public double WarnProbability { get; set; } = 0.2;

    /// <summary>How many replicas above the recommendation a ceiling must be to count as oversized. Default 1.</summary>
    public int OversizedMargin { get; set; } = 1;

    /// <summary>The fewest demand points planned from. Default 48.</summary>
    public int MinimumPoints { get; set; } = 48;
}
