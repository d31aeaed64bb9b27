using Mesh.Heal.Agents.Forecasting;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Capacity;

/// <summary>Plans a service's capacity: measures what one replica serves before its latency degrades, forecasts demand
/// 30, 60 and 90 days out, tells when and how likely demand crosses capacity, and sizes the replicas with headroom.</summary>
/// <remarks>
/// <para>
/// Per-replica capacity is the knee of latency against load per replica: the samples are put in load deciles, and the
/// first decile whose median p99 exceeds the latency objective (or, without one, twice the p99 of the lightest 30 %)
/// ends it; the capacity is the median load of the decile before. When no decile degrades, the highest load seen is a
/// lower bound and is used as the capacity, said so in <see cref="CapacityPlan.CapacityBasis"/>.
/// </para>
/// <para>
/// The saturation date is the first forecast step whose expected demand reaches the capacity in force; the probability of
/// saturating within a horizon is the highest, over its steps, of P(demand &gt; capacity) under the forecast's calibrated
/// error distribution (its rolling-origin backtest errors). The replicas recommended for the planning window provision
/// the level that demand is expected to exceed in at most <see cref="CapacityPlannerOptions.SaturationTarget"/> of its
/// steps (1 % by default), plus <see cref="CapacityPlannerOptions.Headroom"/> (none by default). The schedule gives, per
/// step of the next week, the replicas for that step's 1 − <see cref="CapacityPlannerOptions.SaturationTarget"/> quantile,
/// for scheduled or predictive scaling.
/// </para>
/// </remarks>
public static class CapacityPlanner
{
    /// <summary>Plans from <paramref name="demand"/> (requests/s) and the capacity in force.</summary>
    /// <param name="demand">The demand history, oldest first.</param>
    /// <param name="loadLatency">Load per replica against p99 latency in ms, for the capacity knee; empty when the capacity is configured.</param>
    /// <param name="replicas">Replicas in force now (the HPA's maximum when it has one: that is the ceiling).</param>
    /// <param name="options">Objective, headroom, prices and a configured capacity.</param>
    public static CapacityPlan Plan(IReadOnlyList<SeriesPoint> demand, IReadOnlyList<(double Load, double P99Ms)> loadLatency, int replicas, CapacityPlannerOptions? options = null)
    {
        options ??= new CapacityPlannerOptions();
        var (perReplica, basis) = options.CapacityPerReplica is { } configured
            ? (configured, "configured")
            : EstimateCapacity(loadLatency, options.LatencyObjectiveMs);
        var horizons = options.EffectiveHorizons;
        if (horizons.Any(h => h <= TimeSpan.Zero))
        {
            throw new ArgumentException("Horizons must be positive durations (default 30, 60 and 90 days)", nameof(options));
        }

        if (!(options.SaturationTarget is > 0 and <= 0.5))
        {
            throw new ArgumentException(FormattableString.Invariant($"SaturationTarget {options.SaturationTarget} is out of range; accepted: above 0 and at most 0.5 (0.01 lets demand exceed the provision in 1 % of steps)"), nameof(options));
        }

        var forecast = Forecaster.Predict(demand, horizons.Max(), options.Forecast);
        var capacity = replicas * perReplica;
        var start = demand.Count == 0 ? forecast.Points[0].Time : demand[^1].Time;
        DateTimeOffset? saturation = null;
        var probabilities = new double[horizons.Length];
        for (var i = 0; i < forecast.Points.Count; i++)
        {
            var point = forecast.Points[i];
            if (saturation is null && point.Value >= capacity)
            {
                saturation = point.Time;
            }

            var p = forecast.Exceedance(i, capacity);
            for (var h = 0; h < horizons.Length; h++)
            {
                if (point.Time - start <= horizons[h])
                {
                    probabilities[h] = Math.Max(probabilities[h], p);
                }
            }
        }

        var windowEnd = start + (options.PlanningWindow ?? horizons[0]);
        var window = Enumerable.Range(0, forecast.Points.Count).Where(i => forecast.Points[i].Time <= windowEnd).DefaultIfEmpty(0).ToArray();
        var level = ProvisionLevel(forecast, window, options.SaturationTarget);
        var recommended = Replicas(level, perReplica, options.Headroom);
        var schedule = Enumerable.Range(0, forecast.Points.Count).Where(i => forecast.Points[i].Time <= start + TimeSpan.FromDays(7))
            .Select(i => (forecast.Points[i].Time, Replicas(forecast.Quantile(i, 1 - options.SaturationTarget), perReplica, options.Headroom)))
            .ToList();
        var perHour = options.PricePerReplicaHour + (options.PricePerCoreHour * options.CoresPerReplica) + (options.PricePerGiBHour * options.GiBPerReplica);
        return new CapacityPlan(forecast, perReplica, basis, capacity, saturation, probabilities, recommended)
        {
            Schedule = schedule,
            PeakDemand = level,
            AnnualCost = replicas * 8760 * perHour,
            RecommendedAnnualCost = recommended * 8760 * perHour,
            ScheduledAnnualCost = schedule.Count == 0 ? 0 : schedule.Average(s => s.Item2) * 8760 * perHour,
        };
    }

    /// <summary>The lowest demand level that the forecast's steps <paramref name="window"/> exceed, on average, in at most
    /// <paramref name="target"/> of them.</summary>
    /// <remarks>Each step's chance of exceeding a level comes from the forecast's calibrated error distribution; their
    /// mean is the expected share of saturated steps, which falls as the level rises, so a bisection finds it. A level at
    /// every step's own 1 − target quantile meets the target at each step and so bounds it from above.</remarks>
    public static double ProvisionLevel(Forecast forecast, IReadOnlyList<int> window, double target)
    {
        var high = window.Max(i => forecast.Quantile(i, 1 - target));
        var low = Math.Min(0, window.Min(i => forecast.Points[i].Lower));
        for (var iteration = 0; iteration < 60 && high - low > 1e-9 * Math.Max(1, Math.Abs(high)); iteration++)
        {
            var middle = (low + high) / 2;
            var share = window.Average(i => forecast.Exceedance(i, middle));
            (low, high) = share <= target ? (low, middle) : (middle, high);
        }

        return high;
    }

    /// <summary>The replicas that serve <paramref name="demand"/> with <paramref name="headroom"/> to spare (at least one).</summary>
    public static int Replicas(double demand, double perReplica, double headroom) =>
        Math.Max(1, (int)Math.Ceiling(demand * (1 + headroom) / perReplica - 1e-9));

    /// <summary>The load one replica serves before its p99 degrades (the knee), and how it was found.</summary>
    public static (double Capacity, string Basis) EstimateCapacity(IReadOnlyList<(double Load, double P99Ms)> samples, double? objectiveMs)
    {
        var sorted = samples.Where(s => s.Load > 0 && double.IsFinite(s.P99Ms)).OrderBy(s => s.Load).ToList();
        if (sorted.Count < 10)
        {
            throw new ArgumentException($"the per-replica capacity needs at least 10 samples of load and latency, or a configured capacity; there are {sorted.Count}", nameof(samples));
        }

        var light = Trend.Median(sorted.Take(Math.Max(1, sorted.Count * 3 / 10)).Select(s => s.P99Ms).ToList());
        var threshold = objectiveMs ?? Math.Max(2 * light, light + 1);
        const int Bins = 10;
        var size = sorted.Count / Bins;
        var lastGood = double.NaN;
        for (var b = 0; b < Bins; b++)
        {
            var bin = sorted.Skip(b * size).Take(b == Bins - 1 ? sorted.Count - (b * size) : size).ToList();
            var p99 = Trend.Median(bin.Select(s => s.P99Ms).ToList());
            var load = Trend.Median(bin.Select(s => s.Load).ToList());
            if (p99 > threshold)
            {
                return double.IsNaN(lastGood)
                    ? (load, FormattableString.Invariant($"p99 over {threshold:0} ms at every load seen; capacity taken as the lightest loads' {load:0.#}/s"))
                    : (lastGood, FormattableString.Invariant($"measured: p99 stays under {threshold:0} ms up to {lastGood:0.#}/s per replica and exceeds it above"));
            }

            lastGood = load;
        }

        var max = sorted[^1].Load;
        return (max, FormattableString.Invariant($"lower bound: p99 stayed under {threshold:0} ms up to the highest load seen, {max:0.#}/s per replica"));
    }
}

/// <summary>What <see cref="CapacityPlanner.Plan"/> found.</summary>
/// <param name="Forecast">The demand forecast, to the last horizon.</param>
/// <param name="CapacityPerReplica">What one replica serves.</param>
/// <param name="CapacityBasis">How that was found.</param>
/// <param name="Capacity">What the replicas in force serve.</param>
/// <param name="SaturationDate">When expected demand first reaches it, or null within the last horizon.</param>
/// <param name="SaturationProbability">The probability of saturating within each horizon (30, 60 and 90 days by default).</param>
/// <param name="RecommendedReplicas">The replicas that meet the saturation target over the planning window, with the headroom.</param>
public sealed record CapacityPlan(
    Forecast Forecast, double CapacityPerReplica, string CapacityBasis, double Capacity, DateTimeOffset? SaturationDate,
    IReadOnlyList<double> SaturationProbability, int RecommendedReplicas)
{
    /// <summary>The replicas for each step of the next week, from that step's 1 − saturation target quantile, with the headroom.</summary>
    public IReadOnlyList<(DateTimeOffset Time, int Replicas)> Schedule { get; init; } = [];

    /// <summary>The demand level provisioned over the planning window: exceeded, as forecast, in at most the saturation
    /// target's share of its steps (before the headroom).</summary>
    public double PeakDemand { get; init; }

    /// <summary>A year of the replicas in force at the configured prices.</summary>
    public double AnnualCost { get; init; }

    /// <summary>A year of the recommended replicas.</summary>
    public double RecommendedAnnualCost { get; init; }

    /// <summary>A year of the schedule's average.</summary>
    public double ScheduledAnnualCost { get; init; }
}

/// <summary>How the capacity planner sizes a service.</summary>
public sealed class CapacityPlannerOptions
{
    /// <summary>What one replica serves, in requests/s; default none: measured from load and latency.</summary>
    public double? CapacityPerReplica { get; set; }

    /// <summary>The p99 latency above which a replica counts as saturated, in ms; default none: twice the light-load p99.</summary>
    public double? LatencyObjectiveMs { get; set; }

    /// <summary>The share of steps in which demand may exceed the provision. Default 0.01 (1 %).</summary>
    /// <remarks>The planner provisions the level the forecast's calibrated error distribution says demand exceeds in this
    /// share of the planning window's steps, rather than a fixed margin over a point forecast: a series the model forecasts
    /// well gets less spare capacity, a noisy one more. Accepted: above 0 and at most 0.5.</remarks>
    public double SaturationTarget { get; set; } = 0.01;

    /// <summary>Spare capacity kept above the level the saturation target gives. Default 0.</summary>
    /// <remarks>The saturation target already covers the forecast's errors; a headroom is for what the forecast cannot see,
    /// such as an uncertain per-replica capacity.</remarks>
    public double Headroom { get; set; }

    /// <summary>How far ahead the demand is forecast, and the horizons the saturation probability is told for. Default
    /// (empty) 30, 60 and 90 days.</summary>
    /// <remarks>Shorter horizons fit a history at a finer step (a time-compressed test, a service planned by the hour). Empty
    /// by default because configuration binding adds to an array's defaults rather than replacing them.</remarks>
    public TimeSpan[] Horizons { get; set; } = [];

    /// <summary><see cref="Horizons"/>, or 30, 60 and 90 days when it is empty.</summary>
    public TimeSpan[] EffectiveHorizons => Horizons.Length > 0 ? Horizons : [TimeSpan.FromDays(30), TimeSpan.FromDays(60), TimeSpan.FromDays(90)];

    /// <summary>How far ahead the recommended replicas must hold. Default the first horizon (30 days).</summary>
    public TimeSpan? PlanningWindow { get; set; }

    /// <summary>A horizon as it is named in metrics and evidence: <c>30d</c>, <c>12h</c>, <c>90s</c>.</summary>
    public static string Label(TimeSpan horizon) =>
        horizon.Ticks % TimeSpan.TicksPerDay == 0 ? FormattableString.Invariant($"{horizon.TotalDays:0}d") : Mesh.Heal.Policy.DurationParser.Format(horizon);

    /// <summary>Price of one replica-hour. Default 0.</summary>
    public double PricePerReplicaHour { get; set; }

    /// <summary>Price of one core-hour. Default 0.</summary>
    public double PricePerCoreHour { get; set; }

    /// <summary>Price of one GiB-hour of memory. Default 0.</summary>
    public double PricePerGiBHour { get; set; }

    /// <summary>Cores one replica requests. Default 1.</summary>
    public double CoresPerReplica { get; set; } = 1;

    /// <summary>GiB one replica requests. Default 1.</summary>
    public double GiBPerReplica { get; set; } = 1;

    /// <summary>The forecaster's settings.</summary>
    public ForecastOptions Forecast { get; set; } = new();
}
