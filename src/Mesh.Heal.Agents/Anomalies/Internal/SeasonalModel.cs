using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Anomalies.Internal;

/// <summary>The expectation half of <see cref="AnomalyDetector"/>: a robust Holt–Winters model (level, daily and weekly
/// seasons) whose residual over a robust scale (a z value) says how far each point is from what was expected.</summary>
/// <remarks>
/// <para>
/// Each point is compared with level + daily season + weekly season. The residual updates the model only after it is
/// clipped to ±<see cref="AnomalyDetectorOptions.ClipAt"/> scales (Huber), so a spike does not teach the model that spikes
/// are normal. The scale is an exponentially weighted mean absolute residual (×1.25 ≈ σ for normal noise).
/// </para>
/// <para>
/// Seasons follow the timestamps, not the point count: the daily season has up to 288 slots (5 min each, or the series'
/// step when it is coarser), each set on its first visit and then corrected at <see cref="AnomalyDetectorOptions.SeasonRate"/>
/// per day; the weekly one has 168 hourly slots, each taking what the level and the daily season left on its last visit
/// (an hour a week). A level shift is adopted after <see cref="AnomalyDetectorOptions.ShiftAfter"/> points in a row out of
/// bounds on the same side: those points score high, the ones after are normal again. A shift undone within a week (a
/// weekend, a nightly batch) that happens again in the same hours a week later goes into the weekly season for those hours,
/// so the weeks after expect it.
/// </para>
/// <para>Not thread-safe; one instance per series.</para>
/// </remarks>
internal sealed class SeasonalModel
{
    private const int DailySlots = 288;
    private const int WeeklySlots = 168;
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private readonly AnomalyDetectorOptions _options;
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

    public SeasonalModel(AnomalyDetectorOptions options)
    {
        _options = options;
        _seasonRate = _weeklyRate = _options.SeasonRate;
    }

    /// <summary>What the model expected at the last point.</summary>
    public double Expected { get; private set; }

    /// <summary>True once the warm-up is over and residuals mean something.</summary>
    public bool Warm => _warmUp.Count >= _options.WarmUpPoints;

    /// <summary>Adds the next point (timestamps rising) and returns its residual in scales (0 while warming up).</summary>
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
                return z;
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
        return z;
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
