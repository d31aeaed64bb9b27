using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Mesh.Heal.Agents;
using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.Agents.Forecasting;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.TimeSeries;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Dashboard;

/// <summary>Builds the dashboard's forecasts per service: demand (requests/s into it), each instance's resources, and replicas
/// (observed, and what the capacity planner recommends over the horizon), each with its prediction interval, from the
/// agents' own <see cref="Forecaster"/> and <see cref="CapacityPlanner"/>.</summary>
/// <remarks>
/// <para><b>Inputs.</b> Everything is read from the store's rollups: the last <see cref="Lookback"/> of 1 min buckets; a series
/// with fewer than <see cref="ForecastOptions.MinimumPoints"/> of them (a mesh only minutes old) is read instead from the last
/// hour of 1 s buckets summed into <see cref="FineStep"/> steps. Demand is what every caller sent the service's cluster
/// (requests per step over the step's seconds); a service planned in <c>ControlPlane:Capacity:Services</c> takes the
/// capacity planner's own demand history and replica samples instead (<see cref="LoadsSource"/>: HPA replicas, Prometheus demand).
/// Resources are each process's peak per step: <c>working_set_bytes</c>, <c>gc_heap_bytes</c> (limit: the memory limit),
/// <c>handles</c> (limit: the handle limit), <c>threads</c>, <c>connections</c> (no limit); the instance is named as the
/// resource agent names it (the service's process by its instance, the sidecar's as <c>instance/sidecar</c>).</para>
/// <para><b>Forecasts.</b> Each series is forecast <c>horizon</c> ahead by <see cref="Forecaster.Predict"/> with its calibrated
/// interval at its default level. <c>exhausted_at</c> is the first step whose upper bound reaches the limit. <c>replicas</c>'s
/// forecast is the capacity planner's plan over the horizon: per step, the replicas for the expected demand (value), for the
/// forecast's lower end (lower), and for the demand exceeded in at most the saturation target's share of steps (upper: what it
/// provisions); its limit is the HPA's maximum, and it is exhausted where the upper bound needs more. A service that is not
/// planned, or whose plan cannot be made (too short a history, no per-replica capacity), has its observed replicas and the
/// reason in <c>method</c>.</para>
/// <para><b>Size.</b> The history returned is the last <see cref="HistoryPoints"/> steps of what was fitted. Answers are
/// kept until the next minute (the 1 min rollups do not change sooner), at most <see cref="CachedAnswers"/> of them.</para>
/// </remarks>
internal sealed class ForecastBuilder(MeshStore store, LoadsSource loads, TimeProvider time)
{
    /// <summary>How much history is read and fitted.</summary>
    public static readonly TimeSpan Lookback = TimeSpan.FromDays(1);

    /// <summary>The step of a series read from 1 s buckets.</summary>
    public static readonly TimeSpan FineStep = TimeSpan.FromSeconds(10);

    /// <summary>The most history points returned per series.</summary>
    public const int HistoryPoints = 120;

    /// <summary>The most answers kept.</summary>
    public const int CachedAnswers = 64;

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FineLookback = TimeSpan.FromHours(1);

    private static readonly (string Metric, Func<ResourceRollup, long> Value, Func<ResourceRollup, long> Limit)[] Resources =
    [
        ("working_set_bytes", r => r.WorkingSetMax, r => r.MemoryLimit),
        ("gc_heap_bytes", r => r.GcHeapMax, r => r.MemoryLimit),
        ("threads", r => r.ThreadsMax, _ => 0),
        ("handles", r => r.HandlesMax, r => r.MaxHandles),
        ("connections", r => r.ConnectionsMax, _ => 0),
    ];

    private readonly Lock _lock = new();
    private readonly Dictionary<(string? Service, TimeSpan Horizon), (long Minute, Wire.ForecastsResponse Answer)> _cache = [];

    /// <summary>The forecasts of <paramref name="service"/> (null: every service known or with traffic) <paramref name="horizon"/> ahead.</summary>
    public Wire.ForecastsResponse Build(string? service, TimeSpan horizon)
    {
        var now = time.GetUtcNow();
        var minute = now.ToUnixTimeSeconds() / 60;
        lock (_lock)
        {
            if (_cache.TryGetValue((service, horizon), out var cached) && cached.Minute == minute)
            {
                return cached.Answer;
            }
        }

        var planned = loads.AddToAsync(new MeshSnapshot(now), CancellationToken.None).AsTask().GetAwaiter().GetResult().Get(LoadsSlice.Key);
        var response = new Wire.ForecastsResponse();
        foreach (var name in Services(service, now))
        {
            var load = planned.Of(name);
            response.Series.Add(Demand(name, load, now, horizon));
            var resources = Read(
                (from, to, step) => store.ResourceRollups(name, step, from, to), now, r => r.Bucket);
            foreach (var process in resources.Rows.GroupBy(r => (r.Instance, r.Target)).OrderBy(g => g.Key.Instance, StringComparer.Ordinal).ThenBy(g => g.Key.Target, StringComparer.Ordinal))
            {
                var instance = process.Key.Target == "service" ? process.Key.Instance : process.Key.Instance + "/sidecar";
                foreach (var (metric, value, limit) in Resources)
                {
                    var history = Steps(process, r => r.Bucket, resources.From, resources.Step, r => value(r), Math.Max);
                    response.Series.Add(Series(name, metric, instance, history, horizon, process.Max(r => limit(r))));
                }
            }

            response.Series.Add(Replicas(name, load, resources, horizon));
        }

        lock (_lock)
        {
            if (_cache.Count >= CachedAnswers)
            {
                _cache.Clear();
            }

            _cache[(service, horizon)] = (minute, response);
        }

        return response;
    }

    /// <summary>One forecast series of <paramref name="history"/> (oldest first) <paramref name="horizon"/> ahead, with the time its
    /// upper bound first reaches <paramref name="limit"/> (0: none).</summary>
    public static Wire.ForecastSeries Series(string service, string metric, string instance, IReadOnlyList<SeriesPoint> history, TimeSpan horizon, double limit)
    {
        var options = new ForecastOptions();
        var series = New(service, metric, instance, history, limit);
        if (history.Count < options.MinimumPoints)
        {
            series.Method = $"needs {options.MinimumPoints} points, has {history.Count}";
            return series;
        }

        var forecast = Forecaster.Predict(history, horizon, options);
        series.StepSeconds = StepSeconds(forecast.Step);
        series.IntervalLevel = options.Confidence;
        series.Method = forecast.Model;
        foreach (var p in forecast.Points)
        {
            series.Forecast.Add(Point(p.Time, p.Value, p.Lower, p.Upper));
            if (limit > 0 && series.ExhaustedAt is null && p.Upper >= limit)
            {
                series.ExhaustedAt = Timestamp.FromDateTimeOffset(p.Time);
            }
        }

        return series;
    }

    private Wire.ForecastSeries Demand(string service, ServiceLoad? load, DateTimeOffset now, TimeSpan horizon)
    {
        if (load is not null && load.Demand.Count >= new ForecastOptions().MinimumPoints)
        {
            return Series(service, "requests_per_second", string.Empty, load.Demand, horizon, 0);
        }

        var read = Read((from, to, step) => store.RollupsTo(service, step, from, to), now, r => r.Bucket);
        var history = Steps(read.Rows, r => r.Bucket, read.From, read.Step, r => r.Requests, (a, b) => a + b).Select(p => p with { Value = p.Value / read.Step.TotalSeconds }).ToList();
        return Series(service, "requests_per_second", string.Empty, history, horizon, 0);
    }

    private static Wire.ForecastSeries Replicas(string service, ServiceLoad? load, Fetched<ResourceRollup> resources, TimeSpan horizon)
    {
        // Observed: the planner's own samples (the HPA's replicas when it knows them), else the service's instances that
        // reported resource samples in each step, as the capacity collector counts them.
        var history = load is not null && load.Recent.Count > 0
            ? load.Recent.Select(r => new SeriesPoint(r.Time, r.Replicas)).ToList()
            : resources.Rows.Where(r => r.Target == "service" || !resources.Rows.Any(s => s.Target == "service"))
                .GroupBy(r => r.Bucket)
                .Select(g => new SeriesPoint(g.Key, g.Select(r => r.Instance).Distinct(StringComparer.Ordinal).Count()))
                .OrderBy(p => p.Time)
                .ToList();
        var limit = load?.Hpa?.MaxReplicas ?? 0;
        var series = New(service, "replicas", string.Empty, history, limit);
        series.StepSeconds = StepSeconds(load is not null && load.Recent.Count > 0 ? Minute : resources.Step);
        if (load is null)
        {
            series.Method = "no recommendation: the capacity planner does not plan this service (ControlPlane:Capacity:Services)";
            return series;
        }

        var planner = load.Planner;
        var options = new CapacityPlannerOptions
        {
            CapacityPerReplica = planner.CapacityPerReplica, LatencyObjectiveMs = planner.LatencyObjectiveMs, SaturationTarget = planner.SaturationTarget,
            Headroom = planner.Headroom, Forecast = planner.Forecast, Horizons = [horizon], PlanningWindow = horizon,
        };
        CapacityPlan plan;
        try
        {
            // The planner's inputs, as its agent gives them: demand, load per replica against p99, and the ceiling in force.
            plan = CapacityPlanner.Plan(
                load.Demand, load.Recent.Where(r => r.Replicas > 0).Select(r => (r.Load / r.Replicas, r.P99Ms)).ToList(),
                load.Hpa?.MaxReplicas ?? Math.Max(1, load.Replicas), options);
        }
        catch (ArgumentException ex)
        {
            series.Method = "no recommendation: " + ex.Message.Split(" (Parameter")[0];
            return series;
        }

        var forecast = plan.Forecast;
        series.StepSeconds = StepSeconds(forecast.Step);
        series.IntervalLevel = 1 - options.SaturationTarget;
        series.Method = string.Create(
            CultureInfo.InvariantCulture,
            $"capacity planner: {plan.CapacityPerReplica:0.##}/s per replica ({plan.CapacityBasis}); upper: the replicas for the demand exceeded in {options.SaturationTarget:0.##%} of steps");
        for (var i = 0; i < plan.Schedule.Count; i++)
        {
            var p = forecast.Points[i];
            var value = CapacityPlanner.Replicas(p.Value, plan.CapacityPerReplica, options.Headroom);
            var lower = CapacityPlanner.Replicas(p.Lower, plan.CapacityPerReplica, options.Headroom);
            var upper = plan.Schedule[i].Replicas;
            series.Forecast.Add(Point(p.Time, value, Math.Min(lower, value), Math.Max(upper, value)));
            if (limit > 0 && series.ExhaustedAt is null && upper > limit)
            {
                series.ExhaustedAt = Timestamp.FromDateTimeOffset(p.Time);
            }
        }

        return series;
    }

    // The 1 min rows of the lookback, or, with too few of them, the 1 s rows of the last hour (in FineStep steps); the step
    // now is in is left out, as it is still filling.
    private static Fetched<T> Read<T>(Func<DateTimeOffset, DateTimeOffset, TimeSpan, IReadOnlyList<T>> query, DateTimeOffset now, Func<T, DateTimeOffset> bucket)
    {
        var minimum = new ForecastOptions().MinimumPoints;
        var end = Floor(now, Minute);
        var coarse = query(end - Lookback, end, Minute);
        if (coarse.Select(bucket).Distinct().Count() >= minimum)
        {
            return new Fetched<T>(coarse, end - Lookback, Minute);
        }

        end = Floor(now, FineStep);
        return new Fetched<T>(query(end - FineLookback, end, Second), end - FineLookback, FineStep);
    }

    private static DateTimeOffset Floor(DateTimeOffset time, TimeSpan step) =>
        DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds() / (long)step.TotalSeconds * (long)step.TotalSeconds);

    // Rows summed (or maxed) into steps of `step` from `from`, one point per step that has a row, oldest first.
    private static List<SeriesPoint> Steps<T>(
        IEnumerable<T> rows, Func<T, DateTimeOffset> bucket, DateTimeOffset from, TimeSpan step, Func<T, double> value, Func<double, double, double> combine)
    {
        var steps = new SortedDictionary<long, double>();
        foreach (var row in rows)
        {
            var index = (long)Math.Floor((bucket(row) - from) / step);
            steps[index] = steps.TryGetValue(index, out var sum) ? combine(sum, value(row)) : value(row);
        }

        return steps.Select(s => new SeriesPoint(from + (step * s.Key), s.Value)).ToList();
    }

    private IEnumerable<string> Services(string? service, DateTimeOffset now)
    {
        if (service is not null)
        {
            return [service];
        }

        var names = new SortedSet<string>(store.Services(), StringComparer.Ordinal);
        names.UnionWith(store.Sidecars().Select(s => s.Service));
        names.UnionWith(store.RolledUpNames(Minute, now - Lookback, now));
        names.UnionWith(store.RolledUpNames(Second, now - FineLookback, now));
        return names;
    }

    private static Wire.ForecastSeries New(string service, string metric, string instance, IReadOnlyList<SeriesPoint> history, double limit)
    {
        var series = new Wire.ForecastSeries
        {
            Service = service, Metric = metric, Instance = instance, Limit = limit, StepSeconds = (int)Minute.TotalSeconds,
        };
        series.History.Add(history.Skip(Math.Max(0, history.Count - HistoryPoints)).Select(p => Point(p.Time, p.Value, p.Value, p.Value)));
        return series;
    }

    private static int StepSeconds(TimeSpan step) => (int)Math.Max(1, step.TotalSeconds);

    private static Wire.ForecastPoint Point(DateTimeOffset time, double value, double lower, double upper) =>
        new() { Time = Timestamp.FromDateTimeOffset(time), Value = value, Lower = lower, Upper = upper };

    /// <summary>Rows read for one series, with the start and step they are cut into.</summary>
    private sealed record Fetched<T>(IReadOnlyList<T> Rows, DateTimeOffset From, TimeSpan Step);
}
