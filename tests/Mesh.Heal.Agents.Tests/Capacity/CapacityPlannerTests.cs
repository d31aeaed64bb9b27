using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.Agents.Tests.Resources;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Tests.Capacity;

/// <summary>The capacity planner: the knee of latency against load, the saturation date, the replicas, the cost.</summary>
public class CapacityPlannerTests
{
    private static readonly DateTimeOffset Monday = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void EstimateCapacity_LatencyKnee_IsTheLoadBeforeItDegrades()
    {
        // p99 is 20 ms up to 80 requests/s per replica, then climbs 5 ms for every request/s more.
        var samples = Enumerable.Range(1, 120).Select(l => ((double)l, l <= 80 ? 20 + LeakDetectorTests.Noise(l, 2) : 20 + (5.0 * (l - 80)))).ToList();

        var (capacity, basis) = CapacityPlanner.EstimateCapacity(samples, objectiveMs: null);

        Assert.InRange(capacity, 70, 90);
        Assert.StartsWith("measured", basis, StringComparison.Ordinal);
    }

    [Fact]
    public void EstimateCapacity_NeverDegraded_IsALowerBoundAtTheHighestLoad()
    {
        var samples = Enumerable.Range(1, 50).Select(l => ((double)l, 20.0)).ToList();

        var (capacity, basis) = CapacityPlanner.EstimateCapacity(samples, objectiveMs: 100);

        Assert.Equal(50, capacity);
        Assert.StartsWith("lower bound", basis, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_GrowingDemand_SaturatesOnTheDateTheForecastCrossesCapacity()
    {
        // Six weeks hourly: a daily swing around 300 requests/s growing 1 % a day; 4 replicas of 100 serve 400.
        var demand = Enumerable.Range(0, 6 * 168).Select(h => new SeriesPoint(Monday.AddHours(h),
            300 * Math.Pow(1.01, h / 24.0) * (1 + 0.3 * Math.Sin(2 * Math.PI * h / 24)) * (1 + LeakDetectorTests.Noise(h, 0.03)))).ToList();
        var options = new CapacityPlannerOptions { CapacityPerReplica = 100, PricePerReplicaHour = 0.05 };

        var plan = CapacityPlanner.Plan(demand, [], 4, options);

        // Today's peaks are about 300 × 1.52 × 1.3 = 593: already over 400, so saturation is within the first day.
        Assert.NotNull(plan.SaturationDate);
        Assert.True(plan.SaturationDate <= demand[^1].Time.AddDays(1));
        Assert.True(plan.SaturationProbability[0] > 0.99);
        // In 30 days the peaks are about 593 × 1.35 = 800: the level exceeded in at most 1 % of the window's steps is
        // near that last week's peaks (8 replicas), well above today's.
        Assert.InRange(plan.RecommendedReplicas, 8, 16);
        Assert.Equal(4 * 8760 * 0.05, plan.AnnualCost, 6);
        Assert.Equal(plan.RecommendedReplicas * 8760 * 0.05, plan.RecommendedAnnualCost, 6);
        Assert.Equal(168, plan.Schedule.Count);
        Assert.True(plan.Schedule.Min(s => s.Replicas) < plan.Schedule.Max(s => s.Replicas), "the weekly schedule should follow the daily swing");
    }

    [Fact]
    public void Plan_StricterSaturationTarget_ProvisionsMore()
    {
        // Four weeks hourly, a daily swing with noise that is large at times.
        var demand = Enumerable.Range(0, 4 * 168).Select(h => new SeriesPoint(Monday.AddHours(h),
            500 * (1 + (0.3 * Math.Sin(2 * Math.PI * h / 24))) * (1 + LeakDetectorTests.Noise(h, h % 5 == 0 ? 0.3 : 0.05)))).ToList();
        CapacityPlan Plan(double target) => CapacityPlanner.Plan(demand, [], 1, new CapacityPlannerOptions
        {
            CapacityPerReplica = 10, SaturationTarget = target, Horizons = [TimeSpan.FromDays(7)],
        });

        var loose = Plan(0.05);
        var usual = Plan(0.01);
        var strict = Plan(0.002);

        Assert.True(loose.PeakDemand < usual.PeakDemand && usual.PeakDemand < strict.PeakDemand, $"{loose.PeakDemand:0} {usual.PeakDemand:0} {strict.PeakDemand:0}");
        Assert.True(loose.RecommendedReplicas < strict.RecommendedReplicas);
        Assert.True(loose.Schedule.Sum(s => s.Replicas) < usual.Schedule.Sum(s => s.Replicas));
        Assert.True(usual.Schedule.Sum(s => s.Replicas) < strict.Schedule.Sum(s => s.Replicas));

        // The expected share of the week's steps above the provision is the target (within the steps' granularity).
        var window = Enumerable.Range(0, usual.Forecast.Points.Count).ToArray();
        Assert.InRange(window.Average(i => usual.Forecast.Exceedance(i, usual.PeakDemand)), 0.002, 0.0101);
    }

    [Fact]
    public void Plan_SaturationTargetOutOfRange_IsRefusedByName()
    {
        var demand = Enumerable.Range(0, 100).Select(h => new SeriesPoint(Monday.AddHours(h), 100)).ToList();

        var error = Assert.Throws<ArgumentException>(() => CapacityPlanner.Plan(demand, [], 1, new CapacityPlannerOptions { CapacityPerReplica = 10, SaturationTarget = 0 }));

        Assert.Contains("SaturationTarget 0 is out of range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_FlatDemandWellUnderCapacity_NeverSaturatesAndRecommendsFewer()
    {
        var demand = Enumerable.Range(0, 4 * 168).Select(h => new SeriesPoint(Monday.AddHours(h), 100 + LeakDetectorTests.Noise(h, 5))).ToList();

        var plan = CapacityPlanner.Plan(demand, [], 10, new CapacityPlannerOptions { CapacityPerReplica = 100 });

        Assert.Null(plan.SaturationDate);
        Assert.True(plan.SaturationProbability[^1] < 0.01);
        Assert.InRange(plan.RecommendedReplicas, 2, 3);
    }
}
