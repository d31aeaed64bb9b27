namespace Mesh.Heal.Agents.Forecasting;

/// <summary>A forecast of one series: the model the backtest chose and a point per step with its prediction interval.</summary>
/// <param name="Model">The chosen model: <c>holt-winters-weekly</c>, <c>holt-winters-daily</c>, <c>damped-trend</c>,
/// <c>seasonal-naive-weekly</c> or <c>seasonal-naive-daily</c>.</param>
/// <param name="Step">The step of the forecast (the history's, or coarser for a very long history).</param>
/// <param name="Points">One point per step past the history's end.</param>
public sealed record Forecast(string Model, TimeSpan Step, IReadOnlyList<ForecastPoint> Points)
{
    /// <summary>The fitted parameters, in words.</summary>
    public string Parameters { get; init; } = string.Empty;

    /// <summary>The chosen model's backtest MASE (below 1: better than the seasonal naive forecast in sample).</summary>
    public double BacktestMase { get; init; }

    /// <summary>How much the model's own intervals were widened to cover the backtest errors (1: not at all).</summary>
    public double IntervalWidening { get; init; } = 1;

    /// <summary>Every candidate's backtest MASE, by model.</summary>
    public IReadOnlyDictionary<string, double> Candidates { get; init; } = new Dictionary<string, double>();

    /// <summary>The growth of the daily means.</summary>
    public GrowthRate Growth { get; init; } = new(0, 0, 0, 0, 0);

    /// <summary>The mean of the history's last day, or of its last tenth when that is shorter.</summary>
    public double Level { get; init; }

    /// <summary>How many steps of history the model saw.</summary>
    public int HistoryPoints { get; init; }

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
