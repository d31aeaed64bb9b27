using Mesh.Heal.Agents.Forecasting;

namespace Mesh.Heal.Agents.Tests.Forecasting;

/// <summary>The double-seasonal model against one season on demand with both: it must forecast the next day better.</summary>
public class DoubleSeasonalHoltWintersTests
{
    [Fact]
    public void Fit_DailyAndWeeklySeasons_ForecastsTheNextDaysBetterThanOneSeason()
    {
        // Six weeks half-hourly; judged a day ahead from each of the last 14 midnights, by MASE against the daily seasonal
        // naive forecast in sample.
        var y = Enumerable.Range(0, 6 * 336).Select(i => ForecasterTests.HalfHourly(i)).ToArray();
        var origins = Enumerable.Range(0, 14).Select(k => y.Length - ((14 - k) * 48)).ToArray();
        var training = y.AsSpan(0, origins[0]);
        double[] phis = [1];

        var both = DoubleSeasonalHoltWinters.Fit(training, 48, 336, phis, 48, 48).Replay(y, origins, 48);
        var daily = HoltWinters.Fit(training, 48, phis).Replay(y, origins, 48);
        var weekly = HoltWinters.Fit(training, 336, phis).Replay(y, origins, 48);

        double Mase(double[][] forecasts) => origins.Select((o, k) => Forecaster.Mase(y.AsSpan(0, o), y.AsSpan(o, 48), forecasts[k], 48)).Average();
        var naiveWeek = origins.Select(o => Forecaster.Mase(y.AsSpan(0, o), y.AsSpan(o, 48), y.AsSpan(o - 336, 48), 48)).Average();
        Assert.True(Mase(both) < 0.8 * Mase(daily), $"double-seasonal {Mase(both):0.000} against the daily season alone {Mase(daily):0.000}");
        // The weekly season alone holds the daily one too; with six weeks it learns it nearly as well.
        Assert.True(Mase(both) < 1.1 * Mase(weekly), $"double-seasonal {Mase(both):0.000} against the weekly season alone {Mase(weekly):0.000}");
        Assert.True(Mase(both) < naiveWeek, $"double-seasonal {Mase(both):0.000} against last week's values {naiveWeek:0.000}");
    }
}
