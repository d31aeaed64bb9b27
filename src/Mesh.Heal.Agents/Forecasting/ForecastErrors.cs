using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Forecasting;

/// <summary>The distribution a forecast's errors are drawn from: its rolling-origin backtest errors, each divided by the
/// spread of its lead time, pooled and sorted (split-conformal, normalized by a local spread).</summary>
/// <remarks>
/// <para>
/// A step's value q quantile is its point forecast plus its spread times the q quantile of the pooled scores, taken as the
/// ⌈(n + 1)q⌉-th smallest of n (the split-conformal rank, which holds its coverage for exchangeable errors). When q lies
/// beyond what n scores can tell, a normal fitted to the scores extends them, never inside the sample's extremes. With no
/// scores at all (a history too short to backtest), the scores are standard normal and the spread the model's own.
/// </para>
/// </remarks>
internal sealed class ForecastErrors
{
    private readonly double[] _scores;
    private readonly double _mean;
    private readonly double _sd;

    /// <summary>Errors from <paramref name="sortedScores"/> (ascending) and a spread per forecast step.</summary>
    public ForecastErrors(double[] spread, double[] sortedScores, int origins)
    {
        Spread = spread;
        _scores = sortedScores;
        Origins = origins;
        if (sortedScores.Length > 1)
        {
            _mean = sortedScores.Average();
            _sd = Math.Sqrt(sortedScores.Sum(s => (s - _mean) * (s - _mean)) / (sortedScores.Length - 1));
        }
        else
        {
            _sd = 1;
        }
    }

    /// <summary>Each forecast step's spread, in the series' unit (0: the step is certain).</summary>
    public double[] Spread { get; }

    /// <summary>How many backtest errors the distribution holds (0: a normal one).</summary>
    public int Count => _scores.Length;

    /// <summary>How many rolling origins they came from.</summary>
    public int Origins { get; }

    /// <summary>The factor a miss above asked for is scaled by before the quantile is read (1: none), so that the
    /// quantiles, replayed in time order over the backtest, let through what they say.</summary>
    public double UpperMissScale { get; init; } = 1;

    /// <summary>The same below.</summary>
    public double LowerMissScale { get; init; } = 1;

    /// <summary>The <paramref name="p"/> quantile of the standardized error.</summary>
    public double Quantile(double p)
    {
        p = p >= 0.5 ? 1 - Math.Min(0.5, (1 - p) * UpperMissScale) : Math.Min(0.5, p * LowerMissScale);
        var n = _scores.Length;
        if (n == 0)
        {
            return Normal.Quantile(Math.Clamp(p, 1e-9, 1 - 1e-9));
        }

        var normal = _mean + (_sd * Normal.Quantile(Math.Clamp(p, 1e-9, 1 - 1e-9)));
        if (p >= 0.5)
        {
            var k = (int)Math.Ceiling((n + 1) * p);
            return k <= n ? _scores[Math.Max(k, 1) - 1] : Math.Max(_scores[^1], normal);
        }

        var j = (int)Math.Floor((n + 1) * p);
        return j >= 1 ? _scores[j - 1] : Math.Min(_scores[0], normal);
    }

    /// <summary>The probability that the standardized error exceeds <paramref name="z"/>.</summary>
    public double Exceedance(double z)
    {
        var n = _scores.Length;
        if (n == 0)
        {
            return 1 - Normal.Cdf(z);
        }

        if (z >= _scores[^1])
        {
            // Past every score seen: the fitted normal's tail, never above what one more score would make it.
            return Math.Min(0.5, Math.Min(1.0 / (n + 1), 1 - Normal.Cdf((z - _mean) / Math.Max(_sd, 1e-12))) / UpperMissScale);
        }

        var index = Array.BinarySearch(_scores, z);
        var firstAbove = index >= 0 ? UpperBound(z, index) : ~index;
        var share = (double)(n - firstAbove) / n;
        // The inverse of Quantile's scaling of the miss, kept a probability and monotone.
        return share <= 0.5 ? Math.Min(0.5, share / UpperMissScale) : share;
    }

    private int UpperBound(double z, int index)
    {
        while (index < _scores.Length && _scores[index] <= z)
        {
            index++;
        }

        return index;
    }
}
