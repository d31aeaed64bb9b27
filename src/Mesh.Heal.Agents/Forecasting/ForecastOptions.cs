namespace Mesh.Heal.Agents.Forecasting;

/// <summary>How <see cref="Forecaster"/> fits and judges its models.</summary>
public sealed class ForecastOptions
{
    /// <summary>The prediction intervals' coverage. Default 0.95.</summary>
    /// <remarks>The intervals are calibrated on the backtest: the share of backtest values above the upper end is
    /// <see cref="UpperMiss"/> and the share below the lower end the rest of 1 − <see cref="Confidence"/>.</remarks>
    public double Confidence { get; set; } = 0.95;

    /// <summary>The share of steps the interval's upper end is allowed to fall below the demand. Default 0.01 (1 %).</summary>
    /// <remarks>
    /// <para>
    /// Of the interval's miss, 1 − <see cref="Confidence"/>, this much falls above the upper end and the rest below the
    /// lower end: by default 1 % above and 4 % below a 95 % interval. The split is uneven on purpose: a capacity plan
    /// provisions the upper end, so only demand above it saturates a service, while demand below the lower end costs nothing
    /// but idle capacity. Set it to half of 1 − <see cref="Confidence"/> for the usual symmetric interval. Accepted: above 0
    /// and at most 1 − <see cref="Confidence"/>.
    /// </para>
    /// </remarks>
    public double UpperMiss { get; set; } = 0.01;

    /// <summary>The share of steps below the lower end: 1 − <see cref="Confidence"/> − <see cref="UpperMiss"/>.</summary>
    public double LowerMiss => Math.Max(0, 1 - Confidence - UpperMiss);

    /// <summary>The most steps one forecast reaches ahead (90 days at 1 min is 129,600).</summary>
    public const int MaximumHorizonSteps = 200_000;

    /// <summary>Damping factors of the trend per day to try (1: none). Default (empty) 0.9, 0.97, 0.995, 1.</summary>
    /// <remarks>A per-step factor would fade an hourly trend within days and a per-minute one within hours; a per-day
    /// factor fades it at the same pace whatever the step. Empty by default because configuration binding adds to an
    /// array's defaults rather than replacing them.</remarks>
    public double[] DampingPerDay { get; set; } = [];

    /// <summary><see cref="DampingPerDay"/>, or its defaults when it is empty.</summary>
    public double[] EffectiveDampingPerDay => DampingPerDay.Length > 0 ? DampingPerDay : [0.9, 0.97, 0.995, 1];

    /// <summary>How many rolling origins the backtest uses. Default 56.</summary>
    /// <remarks>The origins are a day apart (a stretch of the history when it has no daily season), counted back from its
    /// end, so 56 is the last eight weeks: every weekday seen eight times. The backtest both chooses the model and calibrates
    /// its intervals; fewer origins are used when the history is shorter.</remarks>
    public int BacktestOrigins { get; set; } = 56;

    /// <summary>The fewest points a forecast accepts. Default 12.</summary>
    public int MinimumPoints { get; set; } = 12;

    /// <summary>The most steps of history fitted; a longer history is averaged into coarser steps. Default 20,000.</summary>
    public int MaximumPoints { get; set; } = 20_000;

    /// <summary>Clamp the lower ends at 0 (rates and counts cannot go negative). Default true.</summary>
    public bool NonNegative { get; set; } = true;
}
