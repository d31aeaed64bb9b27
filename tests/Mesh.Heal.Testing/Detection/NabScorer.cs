namespace Mesh.Heal.Benchmarks.Detection;

/// <summary>A NAB application profile: the weights of true positives, false positives and false negatives.</summary>
internal sealed record NabProfile(string Name, double TpWeight, double FpWeight, double FnWeight)
{
    /// <summary>NAB's config/profiles.json: standard, reward_low_FP_rate, reward_low_FN_rate.</summary>
    public static readonly IReadOnlyList<NabProfile> All =
    [
        new("standard", 1.0, 0.11, 1.0),
        new("reward_low_FP_rate", 1.0, 0.22, 1.0),
        new("reward_low_FN_rate", 1.0, 0.11, 2.0),
    ];
}

/// <summary>One scored series: the detector's score for each point and the labelled windows, as inclusive point indices.</summary>
internal sealed record NabFile(IReadOnlyList<double> Scores, IReadOnlyList<(int Start, int End)> Windows);

/// <summary>The result of scoring a corpus under one profile at its best threshold.</summary>
internal sealed record NabResult(double Threshold, double Raw, double Null, double Perfect, int Windows, int Detected, int FalsePositivePoints)
{
    /// <summary>100 · (raw − null) / (perfect − null).</summary>
    public double Normalized => Perfect == Null ? 0 : 100 * (Raw - Null) / (Perfect - Null);
}

/// <summary>NAB's scoring (nab/sweeper.py, nab/scorer.py, nab/util.py), reimplemented.</summary>
/// <remarks>
/// <para>
/// Each point gets a sweep score: inside a window, the scaled sigmoid of its relative position, 2·σ(−5x) − 1 with
/// x = −(right − i + 1) / width, divided by its value at the left edge and times the TP weight; outside, the scaled
/// sigmoid of its distance past the last window, |prevRight − i| / (prevWidth − 1), times the FP weight (−FP weight
/// before the first window). The first <c>min(⌊0.15 n⌋, 750)</c> points are probation and not scored.
/// </para>
/// <para>
/// At a threshold, a point is a detection when its score is at least the threshold. A window counts its best (earliest)
/// detection, or −FN weight with none; every detection outside windows adds its (negative) sweep score. One threshold is
/// chosen per profile for the whole corpus: the one with the highest total, trying every distinct score and one above
/// all (NAB's sweeper). The null detector (no detection) scores −FN weight per window, the perfect one (each window's
/// first point) +TP weight per window; the normalised score is 100 · (raw − null) / (perfect − null).
/// </para>
/// </remarks>
internal static class NabScorer
{
    private const double ProbationFraction = 0.15;
    private static readonly double MaxTp = ScaledSigmoid(-1.0);

    /// <summary>2·σ(−5x) − 1, and −1 from x = 3 on.</summary>
    public static double ScaledSigmoid(double x) => x >= 3.0 ? -1.0 : (2 / (1 + Math.Exp(5 * x))) - 1.0;

    /// <summary>NAB's probation: min(⌊0.15 n⌋, 0.15 · 5000).</summary>
    public static int Probation(int count) => (int)Math.Min(Math.Floor(ProbationFraction * count), ProbationFraction * 5000);

    /// <summary>The sweep score of each point and its window (−1 outside any, −2 in probation).</summary>
    public static (double[] Sweep, int[] Window) Sweep(NabFile file, NabProfile profile)
    {
        var n = file.Scores.Count;
        var sweep = new double[n];
        var window = new int[n];
        var probation = Probation(n);
        var next = 0;
        var current = -1;
        int prevRight = -1, prevWidth = 0;
        for (var i = 0; i < n; i++)
        {
            if (current < 0 && next < file.Windows.Count && i == file.Windows[next].Start)
            {
                current = next++;
            }

            if (current >= 0)
            {
                var (start, end) = file.Windows[current];
                var width = end - start + 1.0;
                sweep[i] = ScaledSigmoid(-(end - i + 1) / width) * profile.TpWeight / MaxTp;
            }
            else
            {
                var past = prevRight < 0 ? 3.0 : Math.Abs(prevRight - i) / (double)(prevWidth - 1);
                sweep[i] = ScaledSigmoid(past) * profile.FpWeight;
            }

            window[i] = i < probation ? -2 : current;
            if (current >= 0 && i == file.Windows[current].End)
            {
                prevRight = i;
                prevWidth = file.Windows[current].End - file.Windows[current].Start + 1;
                current = -1;
            }
        }

        return (sweep, window);
    }

    /// <summary>Scores <paramref name="files"/> under <paramref name="profile"/> at the threshold that is best for all of them.</summary>
    public static NabResult Score(IReadOnlyList<NabFile> files, NabProfile profile)
    {
        var points = new List<(double Score, double Sweep, int Window)>();
        var windows = 0;
        foreach (var file in files)
        {
            var (sweep, window) = Sweep(file, profile);
            var scored = new HashSet<int>();
            for (var i = 0; i < sweep.Length; i++)
            {
                if (window[i] == -2)
                {
                    continue;
                }

                // Windows get ids unique across the corpus.
                var id = window[i] >= 0 ? windows + window[i] : -1;
                if (id >= 0)
                {
                    scored.Add(id);
                }

                points.Add((file.Scores[i], sweep[i], id));
            }

            windows += file.Windows.Count;
        }

        var counted = points.Where(p => p.Window >= 0).Select(p => p.Window).Distinct().Count();
        points.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        var best = new double[windows];
        Array.Fill(best, double.NaN);
        var total = -counted * profile.FnWeight;
        var (bestTotal, bestThreshold, detected, bestDetected, falsePoints, bestFalse) = (total, 1.1, 0, 0, 0, 0);
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (p.Window < 0)
            {
                total += p.Sweep;
                falsePoints++;
            }
            else if (double.IsNaN(best[p.Window]))
            {
                best[p.Window] = p.Sweep;
                total += profile.FnWeight + p.Sweep;
                detected++;
            }
            else if (p.Sweep > best[p.Window])
            {
                total += p.Sweep - best[p.Window];
                best[p.Window] = p.Sweep;
            }

            // A threshold takes every point scoring at least it: judge only after the last point of equal score.
            if ((i + 1 == points.Count || points[i + 1].Score != p.Score) && total > bestTotal)
            {
                (bestTotal, bestThreshold, bestDetected, bestFalse) = (total, p.Score, detected, falsePoints);
            }
        }

        return new NabResult(bestThreshold, bestTotal, -counted * profile.FnWeight, counted * profile.TpWeight, counted, bestDetected, bestFalse);
    }

    /// <summary>Windows the way NAB's labeller draws them: each anomaly centred in a window of 10 % of the series length
    /// divided by the number of anomalies, clipped to the series, overlapping windows merged.</summary>
    public static List<(int Start, int End)> Windows(int count, IReadOnlyList<int> anomalies, double windowFraction = 0.1)
    {
        var result = new List<(int Start, int End)>();
        if (anomalies.Count == 0)
        {
            return result;
        }

        var length = (int)(windowFraction * count / anomalies.Count);
        foreach (var a in anomalies.Order())
        {
            var start = Math.Max(0, a - (length / 2));
            var end = Math.Min(count - 1, a + (length / 2));
            if (result.Count > 0 && start <= result[^1].End)
            {
                result[^1] = (result[^1].Start, Math.Max(end, result[^1].End));
            }
            else
            {
                result.Add((start, end));
            }
        }

        return result;
    }
}
