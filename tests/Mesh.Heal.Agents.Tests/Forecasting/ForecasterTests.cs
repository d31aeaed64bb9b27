using Mesh.Heal.Agents.Forecasting;
using Mesh.Heal.Agents.Tests.Resources;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Tests.Forecasting;

/// <summary>The forecaster on series whose future is known: it must beat the seasonal naive forecast where there is a
/// trend, keep the truth inside its intervals, and say what it chose.</summary>
public class ForecasterTests
{
    private static readonly DateTimeOffset Monday = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    // Requests per second, hourly: 100 at night to 300 at 15:00, growing 1 % a day, weekends at 70 %, noise ± 8.
    private static double Demand(int hour) =>
        (200 - 100 * Math.Cos(2 * Math.PI * ((hour % 24) - 3) / 24)) * Math.Pow(1.01, hour / 24.0)
        * ((hour / 24 % 7) >= 5 ? 0.7 : 1) + LeakDetectorTests.Noise(hour, 8);

    [Fact]
    public void Predict_WeeklySeasonWithGrowth_BeatsSeasonalNaiveAndCoversTheTruth()
    {
        var history = Hours(8 * 168, Demand);

        var forecast = Forecaster.Predict(history, TimeSpan.FromDays(7));

        Assert.Equal(168, forecast.Points.Count);
        Assert.Equal(TimeSpan.FromHours(1), forecast.Step);
        Assert.True(forecast.Model.StartsWith("holt-winters", StringComparison.Ordinal), $"chose {forecast.Model}: " + string.Join(", ", forecast.Candidates.Select(c => $"{c.Key} {c.Value:0.000}")));
        var actual = Enumerable.Range(8 * 168, 168).Select(Demand).ToArray();
        var naive = Enumerable.Range(0, 168).Select(h => history[7 * 168 + h].Value).ToArray();
        var training = history.Select(p => p.Value).ToArray();
        var model = Forecaster.Mase(training, actual, forecast.Points.Select(p => p.Value).ToArray(), 24);
        var baseline = Forecaster.Mase(training, actual, naive, 24);
        Assert.True(model < baseline, $"MASE {model:0.000} (model {forecast.Model}) against {baseline:0.000} for last week's values");
        var covered = actual.Where((a, h) => forecast.Points[h].Lower <= a && a <= forecast.Points[h].Upper).Count() / 168.0;
        Assert.InRange(covered, 0.85, 1);
        Assert.InRange(forecast.Growth.MonthlyShare, 0.15, 0.5); // 1 % a day is 35 % over 30 days
        Assert.True(forecast.Growth.MonthlyShareLower <= forecast.Growth.MonthlyShare && forecast.Growth.MonthlyShare <= forecast.Growth.MonthlyShareUpper);
    }

    [Fact]
    public void Predict_LongHorizon_IntervalsWidenAndStayNonNegative()
    {
        var history = Hours(4 * 168, h => 50 + 30 * Math.Sin(2 * Math.PI * h / 24) + LeakDetectorTests.Noise(h, 10));

        var forecast = Forecaster.Predict(history, TimeSpan.FromDays(90));

        Assert.Equal(90 * 24, forecast.Points.Count);
        var first = forecast.Points[0].Upper - forecast.Points[0].Lower;
        var last = forecast.Points[^1].Upper - forecast.Points[^1].Value;
        Assert.True(last > first / 2, $"the 90-day interval half-width {last:0.0} is not wider than the first step's {first / 2:0.0}");
        Assert.All(forecast.Points, p => Assert.True(p.Lower >= 0 && p.Lower <= p.Value && p.Value <= p.Upper));
        Assert.Equal(history[^1].Time + TimeSpan.FromHours(1), forecast.Points[0].Time);
    }

    [Fact]
    public void Predict_ShortSeriesWithoutASeason_UsesTheDampedTrend()
    {
        var history = Enumerable.Range(0, 30).Select(i => new SeriesPoint(Monday.AddMinutes(i), 10 + i + LeakDetectorTests.Noise(i, 0.2))).ToList();

        var forecast = Forecaster.Predict(history, TimeSpan.FromMinutes(5));

        Assert.Equal("damped-trend", forecast.Model);
        Assert.Equal(5, forecast.Points.Count);
        Assert.InRange(forecast.Points[^1].Value, 40, 48);
    }

    [Fact]
    public void Predict_TooFewPoints_SaysHowManyAreNeeded()
    {
        var error = Assert.Throws<ArgumentException>(() => Forecaster.Predict(Hours(5, h => h), TimeSpan.FromDays(1)));

        Assert.Contains("at least 12 points", error.Message, StringComparison.Ordinal);
    }

    private static List<SeriesPoint> Hours(int count, Func<int, double> value) =>
        Enumerable.Range(0, count).Select(h => new SeriesPoint(Monday.AddHours(h), value(h))).ToList();
}
