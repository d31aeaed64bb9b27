using Mesh.Heal.ControlPlane.Dashboard;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.ControlPlane.Tests.Dashboard;

/// <summary>The dashboard's forecasts from a real store on a fake clock: the demand history as stored, a forecast with its
/// interval past it, the reason when a series is too short, and the exhaustion time against a limit.</summary>
public sealed class ForecastBuilderTests : IDisposable
{
    private readonly TestStore _test = new();

    public void Dispose() => _test.Dispose();

    [Fact]
    public void Build_Demand_IsTheMinuteRollupsOfEveryCaller_WithAForecastPastThem()
    {
        var now = _test.Time.GetUtcNow();
        var rows = new List<TelemetryRollup>();
        for (var m = 30; m >= 1; m--)
        {
            // Two callers into payments, 600 + 60·m requests a minute together.
            rows.Add(Minute("orders", "payments", now.AddMinutes(-m), 500 + (60 * m)));
            rows.Add(Minute("web", "payments", now.AddMinutes(-m), 100));
        }

        _test.Store.AddRollups(rows, []);
        _test.Store.SidecarConnected("orders", "o-1", "z", "1", "c-1");

        var response = new ForecastBuilder(_test.Store, _test.Time).Build("payments", TimeSpan.FromMinutes(10));

        var series = Assert.Single(response.Series, s => s.Metric == "requests_per_second");
        Assert.Equal(("payments", "", 60), (series.Service, series.Instance, series.StepSeconds));
        Assert.Equal(30, series.History.Count);
        Assert.Equal(now.AddMinutes(-30), series.History[0].Time.ToDateTimeOffset());
        Assert.Equal((600 + (60 * 30)) / 60.0, series.History[0].Value, 9);
        Assert.Equal((600 + 60) / 60.0, series.History[^1].Value, 9);
        Assert.All(series.History, p => Assert.Equal((p.Value, p.Value), (p.Lower, p.Upper)));

        Assert.Equal(10, series.Forecast.Count);
        Assert.Equal(now.AddMinutes(-1).AddMinutes(1), series.Forecast[0].Time.ToDateTimeOffset());
        Assert.All(series.Forecast, p => Assert.True(p.Lower <= p.Value && p.Value <= p.Upper, $"{p.Lower} <= {p.Value} <= {p.Upper}"));
        Assert.Equal(0.95, series.IntervalLevel);
        Assert.False(string.IsNullOrEmpty(series.Method));
        Assert.Null(series.ExhaustedAt);
    }

    [Fact]
    public void Build_ShortHistory_SaysWhyThereIsNoForecast()
    {
        var now = _test.Time.GetUtcNow();
        _test.Store.AddRollups([.. Enumerable.Range(1, 7).Select(m => Minute("orders", "payments", now.AddMinutes(-m), 60))], []);

        var series = Assert.Single(new ForecastBuilder(_test.Store, _test.Time).Build("payments", TimeSpan.FromHours(1)).Series, s => s.Metric == "requests_per_second");

        Assert.Equal(7, series.History.Count);
        Assert.Empty(series.Forecast);
        Assert.Equal(0, series.IntervalLevel);
        Assert.Equal("needs 12 points, has 7", series.Method);
    }

    [Fact]
    public void Series_RisingTowardsALimit_GivesTheFirstStepWhoseUpperBoundReachesIt()
    {
        var start = _test.Time.GetUtcNow();
        var history = Enumerable.Range(0, 60).Select(i => new SeriesPoint(start.AddMinutes(i), 100 + (10 * i))).ToList();

        var reached = ForecastBuilder.Series("orders", "working_set_bytes", "o-1", history, TimeSpan.FromHours(1), limit: 1000);
        var never = ForecastBuilder.Series("orders", "working_set_bytes", "o-1", history, TimeSpan.FromHours(1), limit: 1e12);

        var first = reached.Forecast.First(p => p.Upper >= 1000);
        Assert.Equal(first.Time, reached.ExhaustedAt);
        Assert.True(reached.Forecast.TakeWhile(p => p.Time != first.Time).All(p => p.Upper < 1000));
        Assert.Equal(1000, reached.Limit);
        Assert.Null(never.ExhaustedAt);
    }

    private static TelemetryRollup Minute(string service, string cluster, DateTimeOffset bucket, long requests) => new(
        service, cluster, TimeSpan.FromMinutes(1), bucket, requests, requests, 0, 0, 0, 0, 0, 0, 0, 0, 0, new long[LatencyHistogram.BucketCount], 1);
}
