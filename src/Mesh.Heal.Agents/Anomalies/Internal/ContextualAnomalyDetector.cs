namespace Mesh.Heal.Agents.Anomalies.Internal;

/// <summary>A C# port of the Contextual Anomaly Detector, open-source edition (Smirnov, 2016; NAB's
/// <c>nab/detectors/context_ose</c>): the value is encoded in a few bits of its place in [min, max], and a memory of
/// contexts (what preceded, what followed) predicts the next bits; the score is how much of the input was not predicted
/// and how little of the memory was confirmed.</summary>
/// <remarks>
/// After a score reaches the base threshold (0.75) the detector answers 0 for the rest period (NAB: a fifth of the
/// probation), so one surprise is one alarm. The first rest period answers 0 as well (the reference seeds its history
/// with 1.0). Values outside [min, max] are clamped to its ends; the caller looks after values out of range.
/// </remarks>
internal sealed class ContextualAnomalyDetector
{
    private const long SensorBase = 65536;
    private const long NeuronBase = 1L << 31;

    private readonly double _min;
    private readonly double _step;
    private readonly double _maxBin;
    private readonly int _bits;
    private readonly int _restPeriod;
    private readonly double _baseThreshold;
    private readonly int _maxActiveNeurons;
    private readonly ContextMemory _memory;
    private readonly Queue<double> _recent = new();
    private long[] _leftFacts = [];
    private ulong _predicted;

    public ContextualAnomalyDetector(double min, double max, double restPeriod, double baseThreshold = 0.75, int maxLeftSemiContextLength = 7,
        int maxActiveNeurons = 15, int bits = 3, bool equalBins = false, bool rested = false)
    {
        _min = min;
        _bits = bits;
        _maxBin = (1 << bits) - 1.0;
        var range = max - min;
        if (range <= 0 || double.IsNaN(range))
        {
            range = _maxBin;
        }

        // The reference divides the range into maxBin steps, so only the maximum itself lands in the top bin: a series'
        // highest point is always a value never seen before. Equal bins put it with its neighbours.
        _step = range / (equalBins ? _maxBin + 1 : _maxBin);
        _restPeriod = Math.Max(1, (int)restPeriod);
        _baseThreshold = baseThreshold;
        _maxActiveNeurons = maxActiveNeurons;
        _memory = new ContextMemory(maxLeftSemiContextLength);
        // The reference starts "just after an alarm" (its history holds 1.0), silent for a rest period; a restarted detector
        // that has already been heard from starts rested.
        _recent.Enqueue(rested ? 0.0 : 1.0);
    }

    /// <summary>How many contexts the detector has stored.</summary>
    public int Contexts => _memory.Count;

    /// <summary>Scores the next value: 0 (fully predicted, or resting after an alarm) to 1.</summary>
    public double Score(double value)
    {
        var bin = (int)Math.Clamp(Math.Truncate((value - _min) / _step), 0, _maxBin);
        var sensor = new long[_bits];
        var error = 0.0;
        for (var bit = 0; bit < _bits; bit++)
        {
            sensor[bit] = SensorBase + (bit * 2) + ((bin >> bit) & 1);
            if ((_predicted & (1UL << (int)(sensor[bit] - SensorBase))) == 0)
            {
                error += 1 << bit;
            }
        }

        // Sorted, as the reference sorts its fact tuples: bit b's fact lies in [65536 + 2b, 65536 + 2b + 1].
        var (predicted, selectedActive, addedShare) = Step(sensor);
        _predicted = predicted;
        var current = error / _maxBin > 0 ? (1.0 - selectedActive + addedShare) / 2.0 : 0.0;
        var resting = false;
        foreach (var past in _recent)
        {
            resting |= past >= _baseThreshold;
        }

        _recent.Enqueue(current);
        while (_recent.Count > _restPeriod)
        {
            _recent.Dequeue();
        }

        return resting ? 0.0 : current;
    }

    /// <summary>Scores a whole series as NAB runs CAD OSE: its range given, the rest period a fifth of NAB's probation.</summary>
    public static double[] ScoreAll(IReadOnlyList<double> values)
    {
        var min = values.Count == 0 ? 0 : values.Min();
        var max = values.Count == 0 ? 0 : values.Max();
        var detector = new ContextualAnomalyDetector(min, max, AnomalyDetector.ProbationLength(values.Count) / 5.0);
        var scores = new double[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            scores[i] = detector.Score(values[i]);
        }

        return scores;
    }

    private (ulong Predicted, double SelectedActive, double AddedShare) Step(long[] sensor)
    {
        var unique = new HashSet<(long[], long[])>(PairComparer.Instance);
        var newContext = false;
        if (_leftFacts.Length > 0)
        {
            unique.Add((_leftFacts, sensor));
            newContext = _memory.AddZeroLevel(_leftFacts, sensor);
        }

        var (active, selected, potential) = _memory.CrossRight(sensor, newContext);
        foreach (var p in potential)
        {
            unique.Add(p);
        }

        var selectedActive = selected > 0 ? active.Count / (double)selected : 0.0;

        // The most activated contexts become "neurons", facts of the next left side (ties: the later-created sides win).
        var top = new List<ContextMemory.Context>(_maxActiveNeurons + 1);
        foreach (var context in active)
        {
            if (top.Count == _maxActiveNeurons && !Above(context, top[^1]))
            {
                continue;
            }

            var at = top.Count;
            while (at > 0 && Above(context, top[at - 1]))
            {
                at--;
            }

            top.Insert(at, context);
            if (top.Count > _maxActiveNeurons)
            {
                top.RemoveAt(top.Count - 1);
            }
        }

        var left = new long[sensor.Length + top.Count];
        sensor.CopyTo(left, 0);
        for (var i = 0; i < top.Count; i++)
        {
            left[sensor.Length + i] = NeuronBase + top[i].Id;
        }

        Array.Sort(left);
        _leftFacts = left;
        var added = potential.Count > 0 ? _memory.Add(potential) : 0;
        var predicted = _memory.CrossLeft(_leftFacts, SensorBase);
        added += newContext ? 1 : 0;
        var addedShare = newContext && unique.Count > 0 ? added / (double)unique.Count : 0.0;
        return (predicted, selectedActive, addedShare);
    }

    private static bool Above(ContextMemory.Context a, ContextMemory.Context b) =>
        a.Activations != b.Activations ? a.Activations > b.Activations : a.LeftId != b.LeftId ? a.LeftId > b.LeftId : a.RightId > b.RightId;

    private sealed class PairComparer : IEqualityComparer<(long[] Left, long[] Right)>
    {
        public static readonly PairComparer Instance = new();

        public bool Equals((long[] Left, long[] Right) x, (long[] Left, long[] Right) y) =>
            FactsComparer.Instance.Equals(x.Left, y.Left) && FactsComparer.Instance.Equals(x.Right, y.Right);

        public int GetHashCode((long[] Left, long[] Right) obj) =>
            HashCode.Combine(FactsComparer.Instance.GetHashCode(obj.Left), FactsComparer.Instance.GetHashCode(obj.Right));
    }
}
