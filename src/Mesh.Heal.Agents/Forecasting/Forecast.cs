using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Forecasting;

/// <summary>A forecast of one series: the model the backtest chose and a point per step with its prediction interval.</summary>
/// <param name="Model">The chosen model: <c>double-seasonal</c>, <c>holt-winters-weekly</c>, <c>holt-winters-daily</c>,
/// <c>damped-trend</c> (each also with <c>-log</c>: on the logarithm), <c>seasonal-naive-weekly</c> or <c>seasonal-naive-daily</c>.</param>
/// <param name="Step">The step of the forecast (the history's, or coarser for a very long history).</param>
/// <param name="Points">One point per step past the history's end.</param>
public sealed record Forecast(string Model, TimeSpan Step, IReadOnlyList<ForecastPoint> Points)
{
    /// <summary>The fitted parameters, in words.</summary>
    public string Parameters { get; init; } = string.Empty;

    /// <summary>How the intervals were calibrated, in words.</summary>
    public string Calibration { get; init; } = string.Empty;

    /// <summary>The chosen model's backtest MASE (below 1: better than the seasonal naive forecast in sample).</summary>
    public double BacktestMase { get; init; }

    /// <summary>The calibrated interval's first-step upper half-width over the model's own normal one (1: the same).</summary>
    public double IntervalWidening { get; init; } = 1;

    /// <summary>The share of steps the upper ends are calibrated to let through (see <see cref="ForecastOptions.UpperMiss"/>).</summary>
    public double UpperMiss { get; init; } = 0.025;

    /// <summary>How many backtest errors calibrate the intervals (0: the model's own normal intervals, for a history too
    /// short to backtest).</summary>
    public int CalibrationErrors => Errors?.Count ?? 0;

    /// <summary>How many rolling origins those errors came from.</summary>
    public int CalibrationOrigins => Errors?.Origins ?? 0;

    /// <summary>The backtest's error distribution, which gives any quantile of a step.</summary>
    internal ForecastErrors? Errors { get; init; }

    /// <summary>Every candidate's backtest MASE, by model.</summary>
    public IReadOnlyDictionary<string, double> Candidates { get; init; } = new Dictionary<string, double>();

    /// <summary>The growth of the daily means.</summary>
    public GrowthRate Growth { get; init; } = new(0, 0, 0, 0, 0);

    /// <summary>The mean of the history's last day, or of its last tenth when that is shorter.</summary>
    public double Level { get; init; }

    /// <summary>How many steps of history the model saw.</summary>
    public int HistoryPoints { get; init; }

    /// <summary>The <paramref name="probability"/> quantile of the demand at step <paramref name="step"/> (0: the first).</summary>
    /// <remarks>0.99 is the level the demand stays under in 99 % of steps, as calibrated on the backtest.</remarks>
    public double Quantile(int step, double probability)
    {
        var p = Points[step];
        if (Errors is { } errors)
        {
            return p.Value + (errors.Spread[step] * errors.Quantile(probability));
        }

        var sd = (p.Upper - p.Value) / Normal.Quantile(1 - UpperMiss);
        return p.Value + (sd * Normal.Quantile(probability));
    }

    /// <summary>The probability that the demand at step <paramref name="step"/> exceeds <paramref name="level"/>.</summary>
    public double Exceedance(int step, double level)
    {
        var p = Points[step];
        if (Errors is { } errors)
        {
            var spread = errors.Spread[step];
            return spread > 0 ? errors.Exceedance((level - p.Value) / spread) : level < p.Value ? 1 : 0;
        }

        var sd = Math.Max((p.Upper - p.Value) / Normal.Quantile(1 - UpperMiss), 1e-9);
        return 1 - Normal.Cdf((level - p.Value) / sd);
    }

    /// <summary>The point at or just after <paramref name="time"/>, or the last one.</summary>
    public ForecastPoint At(DateTimeOffset time)
    {
        foreach (var p in Points)
        {
            if (p.Time >= time)
            {
                return p;
            }
        }

        return Points[^1];
    }
}

/// <summary>One forecast step.</summary>
/// <param name="Time">The step's time.</param>
/// <param name="Value">The expected value.</param>
/// <param name="Lower">The prediction interval's lower end.</param>
/// <param name="Upper">The prediction interval's upper end.</param>
public readonly record struct ForecastPoint(DateTimeOffset Time, double Value, double Lower, double Upper);

/// <summary>How fast a series grows: the Theil–Sen slope of its daily means.</summary>
/// <param name="PerDay">The slope, in the series' unit per day.</param>
/// <param name="MonthlyShare">The growth over 30 days as a share of the current level (0.1 is 10 %).</param>
/// <param name="MonthlyShareLower">The lower end of its interval.</param>
/// <param name="MonthlyShareUpper">The upper end of its interval.</param>
/// <param name="Days">How many whole days it was read from (fewer than 3: no growth is told).</param>
public sealed record GrowthRate(double PerDay, double MonthlyShare, double MonthlyShareLower, double MonthlyShareUpper, int Days);
