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
    public void Plan_FlatDemandWellUnderCapacity_NeverSaturatesAndRecommendsFewer()
    {
        var demand = Enumerable.Range(0, 4 * 168).Select(h => new SeriesPoint(Monday.AddHours(h), 100 + LeakDetectorTests.Noise(h, 5))).ToList();

        var plan = CapacityPlanner.Plan(demand, [], 10, new CapacityPlannerOptions { CapacityPerReplica = 100 });

        Assert.Null(plan.SaturationDate);
        Assert.True(plan.SaturationProbability[^1] < 0.01);
        Assert.InRange(plan.RecommendedReplicas, 2, 3);
    }
}
