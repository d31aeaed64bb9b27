using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.Agents.Scaling;
using Mesh.Heal.Agents.Tests.Resources;
using Mesh.Heal.Healing;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Tests.Capacity;

/// <summary>The capacity planner and scaling adjuster agents on recorded snapshots.</summary>
public class CapacityAgentsTests
{
    private static readonly DateTimeOffset Monday = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void CapacityPlanner_DemandOutgrowingTheHpaCeiling_IsCriticalAndProposesRaisingMaxReplicas()
    {
        var demand = Hourly(5 * 168, h => 300 * Math.Pow(1.01, h / 24.0) * (1 + 0.3 * Math.Sin(2 * Math.PI * h / 24)));
        var snapshot = Snapshot(new ServiceLoad("b", demand, [], 4, new CapacityPlannerOptions { CapacityPerReplica = 100, PricePerReplicaHour = 0.1 }, HpaPolicy.Default(2, 6, 0.7)));

        var output = new CapacityPlannerAgent().Analyze(snapshot, "b", CancellationToken.None);

        var finding = Assert.Single(output.Findings);
        Assert.Equal("capacity.saturation", finding.Kind);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Equal("6", finding.Evidence["replicas"]);
        var action = Assert.Single(output.Actions);
        Assert.Equal(("capacity.provision", ActionRisk.Medium), (action.Kind, action.Risk));
        var change = Assert.Single(Assert.IsType<HpaChange>(action.Command).Changes);
        Assert.Equal(HpaField.MaxReplicas, change.Field);
        Assert.True(change.Value > 6);
        Assert.Equal(6, change.Previous);
        Assert.Contains("maxReplicas back to 6", action.RollbackPlan, StringComparison.Ordinal);
        Assert.Empty(AgentOutputValidator.Validate(output));
        Assert.True(output.Metrics["forecast90d"] > output.Metrics["forecast30d"]);
    }

    [Fact]
    public void CapacityPlanner_FlatDemandUnderAHighCeiling_IsOversizedWithARightsize()
    {
        var demand = Hourly(3 * 168, h => 100 + LeakDetectorTests.Noise(h, 5));
        var snapshot = Snapshot(new ServiceLoad("b", demand, [], 3, new CapacityPlannerOptions { CapacityPerReplica = 100 }, HpaPolicy.Default(1, 20, 0.7)));

        var output = new CapacityPlannerAgent().Analyze(snapshot, "b", CancellationToken.None);

        Assert.Equal("capacity.oversized", Assert.Single(output.Findings).Kind);
        var action = Assert.Single(output.Actions);
        Assert.Equal("capacity.rightsize", action.Kind);
        Assert.InRange(Assert.Single(Assert.IsType<HpaChange>(action.Command).Changes, c => c.Field == HpaField.MaxReplicas).Value, 2, 3);
    }

    [Fact]
    public void CapacityPlanner_CeilingRaisedWithinThePlanningWindow_IsNotLoweredAgain()
    {
        var demand = Hourly(3 * 168, h => 100 + LeakDetectorTests.Noise(h, 5));
        var load = new ServiceLoad("b", demand, [], 3, new CapacityPlannerOptions { CapacityPerReplica = 100 }, HpaPolicy.Default(1, 20, 0.7));
        var now = demand[^1].Time;
        var snapshot = Snapshot(load) with { Actions = [new RecentAction("capacity.provision:b:maxreplicas", "capacity.provision", "b", "succeeded", now.AddDays(-2), now.AddDays(-2))] };

        var output = new CapacityPlannerAgent().Analyze(snapshot, "b", CancellationToken.None);

        Assert.Equal("capacity.oversized", Assert.Single(output.Findings).Kind);
        Assert.Empty(output.Actions);
    }

    [Fact]
    public void CapacityPlanner_NoCapacityAndNoLatency_SaysWhyThereIsNoPlan()
    {
        var snapshot = Snapshot(new ServiceLoad("b", Hourly(100, h => 10), [], 2, new CapacityPlannerOptions(), null));

        var output = new CapacityPlannerAgent().Analyze(snapshot, "b", CancellationToken.None);

        var finding = Assert.Single(output.Findings);
        Assert.Equal("capacity.unknown", finding.Kind);
        Assert.Contains("at least 10 samples of load and latency", finding.Summary, StringComparison.Ordinal);
        Assert.Empty(output.Actions);
    }

    [Fact]
    public void ScalingAdjuster_FlappingHpa_WarnsAndTunesTheScaleDownWindowAtLowRisk()
    {
        // Three hours by the minute: load turns between 150 and 260 every 3 minutes; the HPA (no down window) follows it.
        var recent = Enumerable.Range(0, 180).Select(m =>
        {
            var high = m / 3 % 2 == 1;
            return new LoadSample(Monday.AddMinutes(m), high ? 260 : 150, high ? 4 : 3, 20);
        }).ToList();
        var hpa = new HpaPolicy(2, 10, 0.7, TimeSpan.Zero, TimeSpan.Zero);
        var snapshot = Snapshot(new ServiceLoad("b", [], recent, 3, new CapacityPlannerOptions { CapacityPerReplica = 100 }, hpa));

        var output = new ScalingAdjusterAgent().Analyze(snapshot, "b", CancellationToken.None);

        Assert.Contains(output.Findings, f => f.Kind == "scaling.flapping" && f.Severity == FindingSeverity.Warning);
        var accuracy = output.Findings.Single(f => f.Kind == "scaling.accuracy");
        Assert.Equal("0", accuracy.Evidence["accuracy"]);
        var action = Assert.Single(output.Actions);
        Assert.Equal("scaling.tune", action.Kind);
        Assert.Contains(Assert.IsType<HpaChange>(action.Command).Changes, c => c.Field == HpaField.ScaleDownStabilization);
        Assert.Equal(ActionRisk.Low, action.Risk);
        Assert.True(output.Metrics["replayWrongSuggested"] < output.Metrics["replayWrongCurrent"]);
        Assert.Empty(AgentOutputValidator.Validate(output));
    }

    [Fact]
    public void ScalingAdjuster_WellBehavedHpa_ProposesNothing()
    {
        // Load ramps from 100 to 400 over three hours; the replicas are what the HPA algorithm itself does with it.
        var policy = HpaPolicy.Default(1, 10, 0.7);
        var ramp = Enumerable.Range(0, 180).Select(m => new ScalingSample(Monday.AddMinutes(m), 100 + (300.0 * m / 180), 2)).ToList();
        var recent = ScalingAnalysis.Replay(ramp, 100, policy).Select(s => new LoadSample(s.Time, s.Load, s.Replicas, 20)).ToList();
        var snapshot = Snapshot(new ServiceLoad("b", [], recent, 3, new CapacityPlannerOptions { CapacityPerReplica = 100 }, policy));

        var output = new ScalingAdjusterAgent().Analyze(snapshot, "b", CancellationToken.None);

        Assert.DoesNotContain(output.Findings, f => f.Severity >= FindingSeverity.Warning);
        Assert.Empty(output.Actions);
    }

    private static Inputs Snapshot(ServiceLoad load) =>
        new(load.Demand.Count > 0 ? load.Demand[^1].Time : load.Recent[^1].Time) { Services = [load.Service], Loads = [load] };

    /// <summary>What the capacity planner and the scaling adjuster read, and nothing else: the loads, the edges (for the
    /// signals of the scaling adjuster's actions) and the healing history (the planner's own recent actions).</summary>
    private sealed record Inputs(DateTimeOffset Time)
    {
        public IReadOnlyList<string> Services { get; init; } = [];

        public IReadOnlyList<ServiceLoad> Loads { get; init; } = [];

        public IReadOnlyList<RecentAction> Actions { get; init; } = [];

        public static implicit operator MeshSnapshot(Inputs inputs) => new MeshSnapshot(inputs.Time) { Services = inputs.Services }
            .With(LoadsSlice.Key, new LoadsSlice { Loads = inputs.Loads })
            .With(EdgesSlice.Key, new EdgesSlice())
            .With(HealingHistorySlice.Key, new HealingHistorySlice { Actions = inputs.Actions });
    }

    private static List<SeriesPoint> Hourly(int count, Func<int, double> value) =>
        Enumerable.Range(0, count).Select(h => new SeriesPoint(Monday.AddHours(h), value(h) * (1 + LeakDetectorTests.Noise(h + 7, 0.02)))).ToList();
}
