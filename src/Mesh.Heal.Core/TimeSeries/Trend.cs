namespace Mesh.Heal.TimeSeries;

/// <summary>Robust, distribution-free trend statistics: the Mann–Kendall test and the Theil–Sen slope with Sen's interval.</summary>
/// <remarks>
/// Both rank pairs of points rather than fit squares, so one outlier or a skewed noise moves them little, which is why a
/// leak detector uses them on a series' troughs. They are O(n²) in the number of points: callers thin long series first.
/// </remarks>
public static class Trend
{
    /// <summary>The Mann–Kendall test for a monotonic trend in <paramref name="values"/> (in time order), with the tie correction.</summary>
    public static MannKendallResult MannKendall(IReadOnlyList<double> values)
    {
        var n = values.Count;
        if (n < 3)
        {
            return new MannKendallResult(0, 0, 0, 1);
        }

        long s = 0;
        for (var i = 0; i < n - 1; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                s += Math.Sign(values[j] - values[i]);
            }
        }

        var variance = Variance(values);
        var z = variance <= 0 ? 0 : s > 0 ? (s - 1) / Math.Sqrt(variance) : s < 0 ? (s + 1) / Math.Sqrt(variance) : 0;
        var p = 2 * (1 - Normal.Cdf(Math.Abs(z)));
        return new MannKendallResult(s, z, s / (n * (n - 1) / 2.0), Math.Clamp(p, 0, 1));
    }

    /// <summary>The Theil–Sen line through (<paramref name="x"/>, <paramref name="y"/>): the median of pairwise slopes, with
    /// Sen's distribution-free interval at <paramref name="confidence"/>.</summary>
    public static TheilSenFit TheilSen(IReadOnlyList<double> x, IReadOnlyList<double> y, double confidence = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(x.Count, y.Count, nameof(y));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(confidence, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(confidence, 1);
        var n = x.Count;
        if (n < 2)
        {
            var only = n == 1 ? y[0] : 0;
            return new TheilSenFit(0, only, 0, 0);
        }

        var slopes = new List<double>(n * (n - 1) / 2);
        for (var i = 0; i < n - 1; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                if (x[j] != x[i])
                {
                    slopes.Add((y[j] - y[i]) / (x[j] - x[i]));
                }
            }
        }

        if (slopes.Count == 0)
        {
            return new TheilSenFit(0, Median(y.ToList()), 0, 0);
        }

        slopes.Sort();
        var slope = SortedMedian(slopes);
        var intercept = Median(Enumerable.Range(0, n).Select(i => y[i] - slope * x[i]).ToList());

        // Sen (1968): the ranks of the interval's ends among the sorted slopes come from the variance of the Mann–Kendall S.
        var c = Normal.Quantile(1 - (1 - confidence) / 2) * Math.Sqrt(Variance(y));
        var m = slopes.Count;
        var lower = (int)Math.Floor((m - c) / 2) - 1;
        var upper = (int)Math.Ceiling((m + c) / 2);
        return new TheilSenFit(slope, intercept, slopes[Math.Clamp(lower, 0, m - 1)], slopes[Math.Clamp(upper, 0, m - 1)]);
    }

    /// <summary>The median of <paramref name="values"/> (sorted in place), or 0 when there are none.</summary>
    public static double Median(List<double> values)
    {
        values.Sort();
        return SortedMedian(values);
    }

    private static double SortedMedian(List<double> sorted) =>
        sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    // Var(S) = [n(n-1)(2n+5) - Σ t(t-1)(2t+5)] / 18 over groups of t tied values.
    private static double Variance(IReadOnlyList<double> values)
    {
        var n = values.Count;
        var ties = values.GroupBy(v => v).Select(g => (double)g.Count()).Where(t => t > 1).Sum(t => t * (t - 1) * (2 * t + 5));
        return (n * (n - 1.0) * (2 * n + 5) - ties) / 18;
    }
}

/// <summary>The Mann–Kendall statistic of a series.</summary>
/// <param name="S">The number of rising pairs less the falling ones.</param>
/// <param name="Z">S standardised, with the continuity correction.</param>
/// <param name="Tau">Kendall's tau: S over the number of pairs, in [-1, 1].</param>
/// <param name="P">The two-sided p-value of "no trend".</param>
public sealed record MannKendallResult(long S, double Z, double Tau, double P);

/// <summary>A Theil–Sen line: y = Intercept + Slope·x, with the slope's interval.</summary>
/// <param name="Slope">The median pairwise slope.</param>
/// <param name="Intercept">The median of y − Slope·x.</param>
/// <param name="SlopeLower">The lower end of the slope's interval.</param>
/// <param name="SlopeUpper">The upper end of the slope's interval.</param>
public sealed record TheilSenFit(double Slope, double Intercept, double SlopeLower, double SlopeUpper)
{
    /// <summary>The line's value at <paramref name="x"/>.</summary>
    public double At(double x) => Intercept + Slope * x;
}

/// <summary>The standard normal distribution.</summary>
public static class Normal
{
    /// <summary>P(Z ≤ <paramref name="z"/>), to about 1e-7 (Abramowitz and Stegun 7.1.26 on the error function).</summary>
    public static double Cdf(double z)
    {
        var x = Math.Abs(z) / Math.Sqrt(2);
        var t = 1 / (1 + 0.3275911 * x);
        var erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
    }

    /// <summary>The z with P(Z ≤ z) = <paramref name="p"/>, to about 1e-9 (Acklam's rational approximation).</summary>
    public static double Quantile(double p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(p, 1);
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double Low = 0.02425;
        if (p < Low || p > 1 - Low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p < Low ? p : 1 - p));
            var tail = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
            return p < Low ? tail : -tail;
        }

        var r = p - 0.5;
        var s = r * r;
        return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
    }
}
