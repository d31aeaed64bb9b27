namespace Mesh.Heal.Agents.Forecasting;

/// <summary>How <see cref="Forecaster"/> fits and judges its models.</summary>
public sealed class ForecastOptions
{
    /// <summary>The prediction intervals' coverage. Default 0.95.</summary>
    public double Confidence { get; set; } = 0.95;

    /// <summary>The most steps one forecast reaches ahead (90 days at 1 min is 129,600).</summary>
    public const int MaximumHorizonSteps = 200_000;

    /// <summary>Damping factors of the trend per day to try (1: none). Default (empty) 0.9, 0.97, 0.995, 1.</summary>
    /// <remarks>A per-step factor would fade an hourly trend within days and a per-minute one within hours; a per-day
    /// factor fades it at the same pace whatever the step. Empty by default because configuration binding adds to an
    /// array's defaults rather than replacing them.</remarks>
    public double[] DampingPerDay { get; set; } = [];

    /// <summary><see cref="DampingPerDay"/>, or its defaults when it is empty.</summary>
    public double[] EffectiveDampingPerDay => DampingPerDay.Length > 0 ? DampingPerDay : [0.9, 0.97, 0.995, 1];

    /// <summary>How many rolling origins the backtest uses. Default 3.</summary>
    public int BacktestOrigins { get; set; } = 3;

    /// <summary>The fewest points a forecast accepts. Default 12.</summary>
    public int MinimumPoints { get; set; } = 12;

    /// <summary>The most steps of history fitted; a longer history is averaged into coarser steps. Default 20,000.</summary>
    public int MaximumPoints { get; set; } = 20_000;

    /// <summary>Clamp the lower ends at 0 (rates and counts cannot go negative). Default true.</summary>
    public bool NonNegative { get; set; } = true;
}
