using Mesh.Heal.Agents.Anomalies.Internal;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Anomalies;

/// <summary>A streaming anomaly detector for one metric series that scores each point in [0, 1] and raises an alarm once
/// per event: an ensemble of a contextual detector (a port of NAB's CAD OSE), the anomaly likelihood of a robust seasonal
/// model's residual, and a check for values beyond the range seen so far.</summary>
/// <remarks>
/// <para>
/// During probation (<see cref="AnomalyDetectorOptions.ProbationPoints"/> or <see cref="AnomalyDetectorOptions.ProbationTime"/>)
/// the detector only learns and every point scores 0. Streaming, it learns the series' range then and starts its
/// contextual detector on it, replaying the probation; given the range (<see cref="AnomalyDetectorOptions.InputMin"/>,
/// <see cref="AnomalyDetectorOptions.InputMax"/>), as <see cref="ScoreAll"/> does for a whole file like NAB's harness, it
/// starts at once.
/// </para>
/// <para>
/// A point's score is the largest of: the likelihood score of the seasonal model's residual (its two-sided tail
/// probability against the residuals' own history, log-scaled: 0.5 at one in 10⁵, 1 from one in 10¹⁰); the mean of that
/// and the contextual detector's score (which alone is often the noise of its coarse encoding); 1 when the value lies
/// beyond the range seen so far by more than <see cref="AnomalyDetectorOptions.RangeTolerance"/> of it. The contextual
/// detector uses eight equal bins of the range (the reference's scheme leaves the top bin to the maximum alone) and is
/// ignored for two points after missing points (a gap over three steps), as it knows order, not time. A deviation from
/// the expectation smaller than the floors (<see cref="AnomalyDetectorOptions.MinimumScale"/>) scores 0. Once a point scores at least
/// <see cref="AnomalyDetectorOptions.Threshold"/>, the points after it score 0 for <see cref="AnomalyDetectorOptions.SuppressPoints"/>
/// points (or <see cref="AnomalyDetectorOptions.SuppressTime"/>): one event, one alarm. A persistent level shift is flagged
/// at its start and learned by the seasonal model (and the range) while repeats are suppressed.
/// </para>
/// <para>
/// The contextual detector's memory only grows, and on noisy data fast (each surprise spawns contexts from every partial
/// match); past 5,000 contexts it starts again on the last 30 points, so a long or noisy series keeps a bounded cost per
/// point (a repetitive series stays far below the cap: a 20,000-point daily sine with noise holds about 3,200).
/// </para>
/// <para>
/// A counter (every step of the probation but a few rising, every fall one to under half the value: a restart counting
/// again from 0) is scored by its rate, the increase per step (after a restart, the count itself): its restarts and new
/// highs are what a counter does, a change in its rate is what the service does. <see cref="Expected"/> is then the previous
/// value plus the expected increase.
/// </para>
/// <para>Deterministic, not thread-safe; one instance per series.</para>
/// </remarks>
public sealed class AnomalyDetector
{
    private readonly AnomalyDetectorOptions _options;
    private readonly SeasonalModel _model;
    private readonly AnomalyLikelihood _likelihood;
    private readonly Queue<double> _recent = new();
    private readonly int _probationPoints;
    private readonly int _suppressPoints;
    private ContextualAnomalyDetector? _contextual;
    private long _count;
    private DateTimeOffset _first;
    private DateTimeOffset _last;
    private TimeSpan _step;
    private int _afterGap;
    private bool _learning = true;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;
    private long _restUntilPoint = -1;
    private DateTimeOffset _restUntilTime = DateTimeOffset.MinValue;
    private readonly List<SeriesPoint>? _probation;
    private AnomalyDetector? _rates;
    private SeriesPoint _previous;
    private double _expectedValue;

    /// <summary>Creates a detector with <paramref name="options"/> (or the defaults).</summary>
    public AnomalyDetector(AnomalyDetectorOptions? options = null)
        : this(options, counters: true)
    {
    }

    private AnomalyDetector(AnomalyDetectorOptions? options, bool counters)
    {
        _options = options?.Clone() ?? new AnomalyDetectorOptions();
        _probation = counters ? [] : null;
        _probationPoints = Math.Max(1, _options.ProbationPoints);
        _suppressPoints = _options.SuppressPoints ?? Math.Max(1, _probationPoints / 5);
        _model = new SeasonalModel(_options);
        _likelihood = new AnomalyLikelihood(AnomalyDetectorConstants.LikelihoodWindow, AnomalyDetectorConstants.LikelihoodHistory,
            Math.Max(_options.WarmUpPoints, _probationPoints / 2), 0.1);
        if (_options.InputMin is { } min && _options.InputMax is { } max)
        {
            _contextual = Contextual(min, max);
        }
    }

    /// <summary>What the seasonal model expected at the last point.</summary>
    public double Expected => _rates is null ? _model.Expected : _expectedValue;

    /// <summary>How many contexts the contextual detector holds now.</summary>
    internal int Contexts => _rates?.Contexts ?? _contextual?.Contexts ?? 0;

    /// <summary>True once the series was found to be a counter during probation, and its rate is what is scored.</summary>
    internal bool IsCounter => _rates is not null;

    /// <summary>True while the detector is still in probation (learning, scoring 0).</summary>
    public bool InProbation => _learning;

    /// <summary>Adds the next point (timestamps rising) and returns its anomaly score in [0, 1].</summary>
    public double Update(DateTimeOffset time, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return 0;
        }

        if (_rates is not null)
        {
            var rated = _rates.Update(time, Rate(time, value));
            _expectedValue = _previous.Value + _rates.Expected;
            _previous = new SeriesPoint(time, value);
            return rated;
        }

        if (_count++ == 0)
        {
            _first = time;
        }
        else
        {
            var step = time - _last;
            if (_step == TimeSpan.Zero || (step > TimeSpan.Zero && step < _step))
            {
                _step = step;
            }

            // The contextual detector knows order, not time: across missing points its context is broken, not surprised.
            if (_step > TimeSpan.Zero && step > 3 * _step)
            {
                _afterGap = AnomalyDetectorConstants.PointsAfterGap;
            }
        }

        _last = time;
        var warm = _model.Warm;
        var z = _model.Update(time, value);

        // The warm-up's residuals are zeros, not residuals: a history of them would make the first real one a surprise.
        var likelihood = warm ? _likelihood.Update(Math.Clamp(z, -20, 20)) : 0;
        _recent.Enqueue(value);
        if (_recent.Count > _probationPoints)
        {
            _recent.Dequeue();
        }

        var contextual = _contextual?.Score(value) ?? 0;
        if (_contextual?.Contexts > _options.MaximumContexts)
        {
            // A stream runs for weeks and the context memory only grows (and each step walks more of it): past the cap the
            // contextual detector starts again on the last probation's worth of points.
            Restart();
        }

        if (_afterGap > 0)
        {
            _afterGap--;
            contextual = 0;
        }

        if (_learning)
        {
            _probation?.Add(new SeriesPoint(time, value));
            Widen(value);
            if (_count >= _probationPoints
                || (_options.ProbationTime is { } probation && time - _first >= probation && _count >= _options.WarmUpPoints))
            {
                EndProbation();
            }

            return 0;
        }

        var range = _max - _min;
        var tolerance = _options.RangeTolerance * (range > 0 ? range : Math.Max(Math.Abs(_max), 1e-9));
        var outOfRange = value > _max + tolerance || value < _min - tolerance;
        Widen(value);
        // The contextual detector's surprise at a point the seasonal model finds ordinary is often the coarse encoding's
        // noise: it raises the likelihood halfway to its own score, never beyond.
        var score = Math.Max(Math.Max((contextual + likelihood) / 2, likelihood), outOfRange ? 1 : 0);

        // A change too small to matter (one more thread) is no anomaly however still the series was.
        if (Math.Abs(value - _model.Expected) < _options.ClipAt * Math.Max(_options.MinimumScale, _options.MinimumRelativeScale * Math.Abs(_model.Expected)))
        {
            score = 0;
        }

        if (_count <= _restUntilPoint || time < _restUntilTime)
        {
            return 0;
        }

        if (score >= _options.Threshold)
        {
            if (_options.SuppressTime is { } quiet)
            {
                _restUntilTime = time + quiet;
            }
            else
            {
                _restUntilPoint = _count + _suppressPoints;
            }
        }

        return score;
    }

    /// <summary>Scores every point of a whole series, as NAB's harness runs a detector: the series' range is given to the
    /// detector and the first <see cref="AnomalyDetectorOptions.ProbationFraction"/> of it (at most 750 points) is probation.</summary>
    public static IReadOnlyList<double> ScoreAll(IReadOnlyList<SeriesPoint> points, AnomalyDetectorOptions? options = null)
    {
        var o = options?.Clone() ?? new AnomalyDetectorOptions();
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        foreach (var p in points)
        {
            if (double.IsFinite(p.Value))
            {
                min = Math.Min(min, p.Value);
                max = Math.Max(max, p.Value);
            }
        }

        o.InputMin ??= double.IsFinite(min) ? min : 0;
        o.InputMax ??= double.IsFinite(max) ? max : 0;
        o.ProbationPoints = ProbationLength(points.Count, o.ProbationFraction);
        var detector = new AnomalyDetector(o);
        var scores = new double[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            scores[i] = detector.Update(points[i].Time, points[i].Value);
        }

        return scores;
    }

    /// <summary>NAB's probation for a series of <paramref name="count"/> points: the fraction of it, at most 5000 × the fraction.</summary>
    public static int ProbationLength(int count, double fraction = AnomalyDetectorConstants.ProbationFraction) =>
        (int)Math.Max(1, Math.Min(Math.Floor(fraction * count), fraction * 5000));

    private void EndProbation()
    {
        if (_probation is { } seen && Counter(seen))
        {
            // A counter (requests served, bytes sent) only grows, and falls to about 0 when its process restarts: its level
            // says how long since the last restart, its rate is what the service does. From now on the rate is scored, by a
            // detector that learned the probation's rates (range, seasons, contexts) as this one learned the values.
            var options = _options.Clone();
            options.InputMin = null;
            options.InputMax = null;
            _rates = new AnomalyDetector(options, counters: false);
            _previous = seen[0];
            for (var i = 1; i < seen.Count; i++)
            {
                _rates.Update(seen[i].Time, Rate(seen[i].Time, seen[i].Value));
                _previous = seen[i];
            }

            if (_rates._learning)
            {
                _rates.EndProbation();
            }

            _expectedValue = _previous.Value + _rates.Expected;
        }

        _probation?.Clear();
        if (_contextual is null)
        {
            // The whole probation is replayed while still learning.
            Restart();
        }

        _learning = false;
    }

    // A contextual detector on the known range (or the one learned so far) that has seen the recent points.
    private void Restart()
    {
        var restart = _contextual is not null;
        _contextual = new ContextualAnomalyDetector(_options.InputMin ?? _min, _options.InputMax ?? _max, RestPeriod, equalBins: true, rested: restart);
        var skip = restart ? Math.Max(0, _recent.Count - AnomalyDetectorConstants.ReplayAfterRestart) : 0;
        foreach (var v in _recent)
        {
            if (skip-- <= 0)
            {
                _contextual.Score(v);
            }
        }
    }

    // Nearly every step up, and every step down a fall to under half the value (a restart counting again from 0).
    private static bool Counter(List<SeriesPoint> points)
    {
        if (points.Count < AnomalyDetectorConstants.CounterMinimumPoints)
        {
            return false;
        }

        var up = 0;
        for (var i = 1; i < points.Count; i++)
        {
            var (before, now) = (points[i - 1].Value, points[i].Value);
            if (now < 0 || (now < before && now >= before / 2))
            {
                return false;
            }

            up += now > before ? 1 : 0;
        }

        return up >= AnomalyDetectorConstants.CounterRisingShare * (points.Count - 1);
    }

    // The counter's increase per step since the previous point; after a restart, what it counted since 0.
    private double Rate(DateTimeOffset time, double value)
    {
        var increase = value >= _previous.Value ? value - _previous.Value : value;
        var steps = _step > TimeSpan.Zero ? Math.Max(1, Math.Round((time - _previous.Time) / _step)) : 1;
        return increase / steps;
    }

    private double RestPeriod => Math.Max(1, _probationPoints / 5.0);

    private ContextualAnomalyDetector Contextual(double min, double max) => new(min, max, RestPeriod, equalBins: true);

    private void Widen(double value)
    {
        _min = Math.Min(_min, value);
        _max = Math.Max(_max, value);
    }
}
