using Google.Protobuf.WellKnownTypes;
using Mesh.Heal.Agents.Forecasting;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.TimeSeries;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Dashboard;

/// <summary>Builds the dashboard's forecasts: per service, the demand (requests/s into it) with its prediction interval, from
/// the same <see cref="Forecaster"/> the capacity planner uses.</summary>
/// <remarks>
/// Demand is what every caller sent the service's cluster, per minute, from the stored 1 min rollups of the last
/// <see cref="Lookback"/> (as the capacity planner reads it). The forecast's interval is the forecaster's calibrated one at
/// its default level (<see cref="ForecastOptions.Confidence"/>). A series too short to forecast is returned with its history
/// and the reason in <c>method</c>.
/// </remarks>
internal sealed class ForecastBuilder(MeshStore store, TimeProvider time)
{
    /// <summary>How much history is read and fitted.</summary>
    public static readonly TimeSpan Lookback = TimeSpan.FromDays(1);

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>The forecasts of <paramref name="service"/> (null: every service with traffic) <paramref name="horizon"/> ahead.</summary>
    public Wire.ForecastsResponse Build(string? service, TimeSpan horizon)
    {
        var now = time.GetUtcNow();
        var response = new Wire.ForecastsResponse();
        foreach (var name in Services(service))
        {
            var demand = store.RollupsTo(name, Minute, now - Lookback, now)
                .Select(r => new SeriesPoint(r.Bucket, r.Requests / Minute.TotalSeconds))
                .ToList();
            response.Series.Add(Series(name, "requests_per_second", string.Empty, demand, horizon, limit: 0));
        }

        return response;
    }

    /// <summary>One forecast series of <paramref name="history"/> (oldest first) <paramref name="horizon"/> ahead, with the time its
    /// upper bound first reaches <paramref name="limit"/> (0: none).</summary>
    public static Wire.ForecastSeries Series(string service, string metric, string instance, IReadOnlyList<SeriesPoint> history, TimeSpan horizon, double limit)
    {
        var options = new ForecastOptions();
        var series = new Wire.ForecastSeries { Service = service, Metric = metric, Instance = instance, Limit = limit, StepSeconds = (int)Minute.TotalSeconds };
        series.History.Add(history.Select(p => Point(p.Time, p.Value, p.Value, p.Value)));
        if (history.Count < options.MinimumPoints)
        {
            series.Method = $"needs {options.MinimumPoints} points, has {history.Count}";
            return series;
        }

        var forecast = Forecaster.Predict(history, horizon, options);
        series.StepSeconds = (int)Math.Max(1, forecast.Step.TotalSeconds);
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

    private IEnumerable<string> Services(string? service)
    {
        if (service is not null)
        {
            return [service];
        }

        var names = new SortedSet<string>(store.Services(), StringComparer.Ordinal);
        names.UnionWith(store.Sidecars().Select(s => s.Service));
        return names;
    }

    private static Wire.ForecastPoint Point(DateTimeOffset time, double value, double lower, double upper) =>
        new() { Time = Timestamp.FromDateTimeOffset(time), Value = value, Lower = lower, Upper = upper };
}
