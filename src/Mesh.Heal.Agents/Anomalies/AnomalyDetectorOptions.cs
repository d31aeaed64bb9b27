namespace Mesh.Heal.Agents.Anomalies;

/// <summary>How an <see cref="AnomalyDetector"/> learns, scores and raises alarms.</summary>
/// <remarks>
/// Defaults: probation 300 points (or <see cref="ProbationTime"/>), 15 % of a whole series in <see cref="AnomalyDetector.ScoreAll"/>
/// (at most 750 points, as NAB); repeats suppressed for a fifth of the probation; threshold 0.6; the seasonal model as before
/// (warm-up 30 points, level rate 0.02, season rate 0.2, scale rate 0.02, clip at 3 scales, shift after 5 points, scale floor
/// 1 % of the level and <see cref="MinimumScale"/>).
/// </remarks>
public sealed class AnomalyDetectorOptions
{
    /// <summary>Points the detector only learns from, scoring 0, when it streams. Default 300.</summary>
    public int ProbationPoints { get; set; } = AnomalyDetectorConstants.ProbationPoints;

    /// <summary>When set, probation also ends once this much time has passed since the first point (and at least
    /// <see cref="WarmUpPoints"/> points were seen). Default none.</summary>
    public TimeSpan? ProbationTime { get; set; }

    /// <summary>The share of a whole series that is probation in <see cref="AnomalyDetector.ScoreAll"/>. Default 0.15 (NAB).</summary>
    public double ProbationFraction { get; set; } = AnomalyDetectorConstants.ProbationFraction;

    /// <summary>The series' lowest value, when known in advance (a whole file); otherwise learned during probation. Default none.</summary>
    public double? InputMin { get; set; }

    /// <summary>The series' highest value, when known in advance (a whole file); otherwise learned during probation. Default none.</summary>
    public double? InputMax { get; set; }

    /// <summary>After a point scores at least <see cref="Threshold"/>, this many points score 0. Default: a fifth of the probation.</summary>
    public int? SuppressPoints { get; set; }

    /// <summary>When set, repeats are suppressed for this long after an alarm instead of <see cref="SuppressPoints"/>. Default none.</summary>
    public TimeSpan? SuppressTime { get; set; }

    /// <summary>The score from which a point is an anomaly (and starts the suppression of repeats). Default 0.6
    /// (a residual about 5σ out, or less when the contextual detector is surprised too).</summary>
    public double Threshold { get; set; } = AnomalyDetectorConstants.Threshold;

    /// <summary>A value beyond the range seen so far by more than this share of it is out of range. Default 0.05 (NAB's numenta detector).</summary>
    public double RangeTolerance { get; set; } = AnomalyDetectorConstants.RangeTolerance;

    /// <summary>Points used to start the seasonal model's level and scale. Default 30.</summary>
    public int WarmUpPoints { get; set; } = 30;

    /// <summary>How fast the level follows the series, per point. Default 0.02.</summary>
    public double LevelRate { get; set; } = 0.02;

    /// <summary>How fast a season slot follows what the level leaves. Default 0.2.</summary>
    public double SeasonRate { get; set; } = 0.2;

    /// <summary>How fast the scale follows the residuals. Default 0.02.</summary>
    public double ScaleRate { get; set; } = 0.02;

    /// <summary>Residuals are clipped to this many scales before they update the model; a deviation smaller than this many
    /// floor scales (<see cref="MinimumScale"/>, <see cref="MinimumRelativeScale"/>) is never an anomaly. Default 3.</summary>
    public double ClipAt { get; set; } = 3;

    /// <summary>After this many points in a row past <see cref="ClipAt"/> on one side, the level moves to them. Default 5.</summary>
    public int ShiftAfter { get; set; } = 5;

    /// <summary>The scale is never taken below this share of the level. Default 0.01.</summary>
    public double MinimumRelativeScale { get; set; } = 0.01;

    /// <summary>The scale is never taken below this, in the series' unit: what change is too small to matter. Default 0.</summary>
    public double MinimumScale { get; set; }

    /// <summary>Past this many contexts the contextual detector starts again (see <see cref="AnomalyDetector"/>).</summary>
    internal int MaximumContexts { get; set; } = AnomalyDetectorConstants.MaximumContexts;

    internal AnomalyDetectorOptions Clone() => (AnomalyDetectorOptions)MemberwiseClone();
}

/// <summary>The defaults of <see cref="AnomalyDetectorOptions"/>.</summary>
internal static class AnomalyDetectorConstants
{
    public const int ProbationPoints = 300;
    public const double ProbationFraction = 0.15;
    public const double Threshold = 0.6;
    public const double RangeTolerance = 0.05;
    public const int LikelihoodWindow = 1;
    public const int LikelihoodHistory = 8640;
    public const int PointsAfterGap = 2;
    public const int MaximumContexts = 5_000;
    public const int ReplayAfterRestart = 30;
    public const int CounterMinimumPoints = 20;
    public const double CounterRisingShare = 0.9;
}
