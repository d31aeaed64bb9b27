using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Benchmarks.Detection;

/// <summary>The anomaly detector as it was before issue 16, kept unchanged as the benchmark's "old detector" baseline: a streaming detector for one metric series: a robust Holt–Winters model (level, daily and weekly
/// seasons) whose residual, over a robust scale, becomes a score in [0, 1] for each point.</summary>
/// <remarks>
/// <para>
/// Each point is compared with level + daily season + weekly season. The residual updates the model only after it is
/// clipped to ±<see cref="LegacyAnomalyDetectorOptions.ClipAt"/> scales (Huber), so a spike does not teach the model that spikes
/// are normal. The scale is an exponentially weighted mean absolute residual (×1.25 ≈ σ for normal noise).
/// </para>
/// <para>
/// Seasons follow the timestamps, not the point count: the daily season has up to 288 slots (5 min each, or the series'
/// step when it is coarser), each set on its first visit and then corrected at <see cref="LegacyAnomalyDetectorOptions.SeasonRate"/>
/// per day; the weekly one has 168 hourly slots, each taking what the level and the daily season left on its last visit
/// (an hour a week). A level shift is adopted after <see cref="LegacyAnomalyDetectorOptions.ShiftAfter"/> points in a row out of
/// bounds on the same side: those points score high, the ones after are normal again. A shift undone within a week (a
/// weekend, a nightly batch) that happens again in the same hours a week later goes into the weekly season for those hours,
/// so the weeks after expect it.
/// </para>
/// <para>Not thread-safe; one instance per series.</para>
/// </remarks>
internal sealed class LegacyAnomalyDetector
{
    private const int DailySlots = 288;
    private const int WeeklySlots = 168;
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private readonly LegacyAnomalyDetectorOptions _options;
    private readonly double[] _daily = new double[DailySlots];
    private readonly bool[] _seen = new bool[DailySlots];
    private readonly double[] _weekly = new double[WeeklySlots];
    private readonly List<double> _warmUp = [];
    private readonly List<double> _run = [];
    private DateTimeOffset _first;
    private double _level;
    private double _scale;
    private long _count;
    private int _runSign;
    private DateTimeOffset _runStart;
    private (DateTimeOffset Start, double Amount)? _openShift;
    private readonly (DateTimeOffset At, double Amount)?[] _candidate = new (DateTimeOffset, double)?[WeeklySlots];
    private int _slots = DailySlots;
    private double _seasonRate;
    private double _weeklyRate;

    /// <summary>Creates a detector with <paramref name="options"/> (or the defaults).</summary>
    public LegacyAnomalyDetector(LegacyAnomalyDetectorOptions? options = null)
    {
        _options = options ?? new LegacyAnomalyDetectorOptions();
        _seasonRate = _weeklyRate = _options.SeasonRate;
    }

    /// <summary>What the model expected at the last point.</summary>
    public double Expected { get; private set; }

    /// <summary>Adds the next point (timestamps rising) and returns its anomaly score in [0, 1].</summary>
    public double Update(DateTimeOffset time, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return 0;
        }

        if (_count++ == 0)
        {
            _first = time;
        }

        if (_warmUp.Count < _options.WarmUpPoints)
        {
            if (_count == 2)
            {
                Calibrate(time - _first);
            }

            _warmUp.Add(value);
            if (_warmUp.Count == _options.WarmUpPoints)
            {
                _level = Trend.Median([.. _warmUp]);
                _scale = 1.25 * Trend.Median(_warmUp.Select(v => Math.Abs(v - _level)).ToList());
            }

            Expected = value;
            return 0;
        }

        var daily = (int)(time.UtcDateTime.TimeOfDay.Ticks * _slots / Day.Ticks);
        var weekly = WeeklySlot(time);
        Expected = _level + _daily[daily] + _weekly[weekly];
        var residual = value - Expected;
        var scale = Math.Max(_scale, Floor());
        var z = residual / scale;
        var score = Score(Math.Abs(z));

        if (Math.Abs(z) > _options.ClipAt)
        {
            var sign = Math.Sign(z);
            if (sign != _runSign)
            {
                _run.Clear();
                _runSign = sign;
                _runStart = time;
            }

            _run.Add(residual);
            if (_run.Count >= _options.ShiftAfter)
            {
                var shift = Trend.Median(_run);
                _level += shift;
                Remember(_runStart, time, shift);
                _run.Clear();
                _runSign = 0;
                return score;
            }
        }
        else
        {
            _run.Clear();
            _runSign = 0;
        }

        var clipped = Math.Clamp(residual, -_options.ClipAt * scale, _options.ClipAt * scale);
        _level += _options.LevelRate * clipped;
        var rest = clipped * (1 - _options.LevelRate);
        if (!_seen[daily])
        {
            // A slot's first visit sets it: waiting for a rate to pull it from zero would take weeks at a coarse step.
            _seen[daily] = true;
            _daily[daily] += rest;
        }
        else
        {
            _daily[daily] += _seasonRate * rest;
            _weekly[weekly] += _weeklyRate * rest * (1 - _seasonRate);
        }

        _scale += _options.ScaleRate * (1.25 * Math.Abs(clipped) - _scale);
        return score;
    }

    /// <summary>Scores every point of <paramref name="points"/> with a fresh detector.</summary>
    public static IReadOnlyList<double> ScoreAll(IReadOnlyList<SeriesPoint> points, LegacyAnomalyDetectorOptions? options = null)
    {
        var detector = new LegacyAnomalyDetector(options);
        var scores = new double[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            scores[i] = detector.Update(points[i].Time, points[i].Value);
        }

        return scores;
    }

    // 0 up to ClipAt scales, then rising to 1: about 0.39 one scale past it, 0.86 two past, 0.99 three past.
    private double Score(double z)
    {
        var over = Math.Max(0, z - _options.ClipAt);
        return 1 - Math.Exp(-over * over / 2);
    }

    // A series that barely moves (a constant thread count) would otherwise call a change of one an anomaly of 100 scales.
    private double Floor() => Math.Max(Math.Max(1e-9, _options.MinimumScale), Math.Abs(_level) * _options.MinimumRelativeScale);

    // A shift that is undone within a week (a weekend, a nightly batch) may be a weekly pattern rather than two level
    // changes. The hours it lasted are held as a candidate; when the same hours shift the same way a week later, the pattern
    // goes into the weekly season, so from then on it is expected. A one-off excursion never recurs and is never learned.
    private void Remember(DateTimeOffset start, DateTimeOffset now, double shift)
    {
        if (_openShift is { } open && Math.Sign(shift) != Math.Sign(open.Amount) && Math.Abs(shift + open.Amount) < 0.5 * Math.Abs(open.Amount)
            && start - open.Start < Week)
        {
            for (var hour = open.Start; hour < start; hour += TimeSpan.FromHours(1))
            {
                var slot = WeeklySlot(hour);
                if (_candidate[slot] is { } seen && hour - seen.At < Week + Day && Math.Sign(seen.Amount) == Math.Sign(open.Amount))
                {
                    _weekly[slot] += (seen.Amount + open.Amount) / 2;
                    _candidate[slot] = null;
                }
                else
                {
                    _candidate[slot] = (hour, open.Amount);
                }
            }

            _openShift = null;
            return;
        }

        _openShift = (start, shift);
    }

    private static int WeeklySlot(DateTimeOffset time) => (int)time.UtcDateTime.DayOfWeek * 24 + time.UtcDateTime.Hour;

    // Slots no finer than the step; a slot seen many times per day learns at SeasonRate per day, not per point.
    private void Calibrate(TimeSpan step)
    {
        if (step <= TimeSpan.Zero)
        {
            step = TimeSpan.FromSeconds(1);
        }

        _slots = (int)Math.Clamp(Day.Ticks / step.Ticks, 1, DailySlots);
        var pointsPerSlot = Math.Max(1, Day.Ticks / _slots / (double)step.Ticks);
        _seasonRate = _options.SeasonRate / pointsPerSlot;
        _weeklyRate = 1 / Math.Max(1, TimeSpan.FromHours(1).Ticks / (double)step.Ticks);
    }
}

/// <summary>How an <see cref="LegacyAnomalyDetector"/> learns and scores.</summary>
internal sealed class LegacyAnomalyDetectorOptions
{
    /// <summary>Points used to start the level and scale; they score 0. Default 30.</summary>
    public int WarmUpPoints { get; set; } = 30;

    /// <summary>How fast the level follows the series, per point. Default 0.02.</summary>
    public double LevelRate { get; set; } = 0.02;

    /// <summary>How fast a season slot follows what the level leaves. Default 0.2.</summary>
    public double SeasonRate { get; set; } = 0.2;

    /// <summary>How fast the scale follows the residuals. Default 0.02.</summary>
    public double ScaleRate { get; set; } = 0.02;

    /// <summary>Residuals are clipped to this many scales before they update the model; the score starts above it. Default 3.</summary>
    public double ClipAt { get; set; } = 3;

    /// <summary>After this many points in a row past <see cref="ClipAt"/> on one side, the level moves to them. Default 5.</summary>
    public int ShiftAfter { get; set; } = 5;

    /// <summary>The scale is never taken below this share of the level. Default 0.01.</summary>
    public double MinimumRelativeScale { get; set; } = 0.01;

    /// <summary>The scale is never taken below this, in the series' unit: what change is too small to matter. Default 0.</summary>
    public double MinimumScale { get; set; }

    /// <summary>The score from which a point is an anomaly. Default 0.5 (about 4.2 scales out).</summary>
    public double Threshold { get; set; } = 0.5;
}
