using Mesh.Heal.Healing;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Resources;

/// <summary>Tells a leak from a garbage-collection sawtooth, a warm-up ramp, a step change and noise, and estimates the
/// time until the leak reaches a limit.</summary>
/// <remarks>
/// <para>
/// The trend is read over the series' troughs, not its raw points: a collected heap falls back to its live size after
/// every collection, so the troughs rise only when the live size does. The troughs are the minimum of each cycle when the
/// series has a sawtooth (big drops at a regular pace), otherwise of windows of a fixed share of the series.
/// </para>
/// <para>
/// A leak is a rising trend (Mann–Kendall, <see cref="LeakDetectorOptions.Significance"/>) that still rises in the newer
/// half of the troughs at least <see cref="LeakDetectorOptions.WarmUpRatio"/> as fast as in the older half (else it is a
/// warm-up that flattens) and is not better told as two flat levels (a step). The time to
/// exhaustion is when the peaks (the newer half's trough line plus the typical cycle height) reach the limit at that line's
/// slope; its interval joins Sen's interval of the slope with the troughs' scatter around the line.
/// </para>
/// </remarks>
public static class LeakDetector
{
    /// <summary>Analyses <paramref name="points"/> (oldest first) against <paramref name="limit"/> (or none).</summary>
    public static LeakVerdict Analyze(IReadOnlyList<SeriesPoint> points, double? limit, LeakDetectorOptions? options = null)
    {
        options ??= new LeakDetectorOptions();
        if (points.Count < options.MinimumPoints || points[^1].Time - points[0].Time <= TimeSpan.Zero)
        {
            return LeakVerdict.None(LeakKind.InsufficientData, 0);
        }

        var origin = points[0].Time;
        var (troughs, sawtooth, height) = Troughs(points, options.TroughWindows);
        var x = troughs.Select(t => (t.Time - origin).TotalHours).ToList();
        var y = troughs.Select(t => t.Value).ToList();
        var fit = Trend.TheilSen(x, y, options.Confidence);
        var test = Trend.MannKendall(y);
        var rising = test.P < options.Significance && test.S > 0 && fit.Slope > 0;
        if (!rising)
        {
            return LeakVerdict.None(sawtooth ? LeakKind.Sawtooth : IsStep(x, y, fit, options) ? LeakKind.Step : LeakKind.Stable, fit.Slope);
        }

        if (IsStep(x, y, fit, options))
        {
            return LeakVerdict.None(LeakKind.Step, fit.Slope);
        }

        var half = y.Count / 2;
        var olderFit = Trend.TheilSen(x[..half], y[..half], options.Confidence);
        var newerFit = Trend.TheilSen(x[half..], y[half..], options.Confidence);
        if (newerFit.Slope < olderFit.Slope * options.WarmUpRatio)
        {
            return LeakVerdict.None(LeakKind.WarmUp, fit.Slope);
        }

        // The newer half's line says where the leak is now and how fast it goes: a leak that began mid-series is as high
        // and as fast as it is now, not as the whole series' median line says. The interval takes both the slope's
        // interval and the scatter of the troughs around the line.
        var now = (points[^1].Time - origin).TotalHours;
        var level = Math.Max(newerFit.At(now), y[^1]) + height;
        var scatter = 1.4826 * Trend.Median(Enumerable.Range(half, y.Count - half).Select(i => Math.Abs(y[i] - newerFit.At(x[i]))).ToList());
        var spread = Normal.Quantile(1 - (1 - options.Confidence) / 2) * scatter;
        var verdict = new LeakVerdict(true, LeakKind.Leak, newerFit.Slope, null, null, null, FindingSeverity.Warning)
        {
            SlopeLower = newerFit.SlopeLower,
            SlopeUpper = newerFit.SlopeUpper,
            Confidence = 1 - test.P,
            Level = level,
        };
        if (limit is not { } cap || cap <= 0)
        {
            return verdict;
        }

        static double Hours(double room, double slope) => room <= 0 ? 0 : slope <= 0 ? double.PositiveInfinity : room / slope;
        var hours = Hours(cap - level, newerFit.Slope);
        var upper = Hours(cap - level + spread, newerFit.SlopeLower);
        return verdict with
        {
            TimeToExhaustionHours = hours,
            LowerHours = Math.Min(hours, Hours(cap - level - spread, Math.Max(newerFit.SlopeUpper, newerFit.Slope))),
            UpperHours = double.IsPositiveInfinity(upper) ? null : Math.Max(hours, upper),
            Severity = hours <= options.CriticalWithin.TotalHours ? FindingSeverity.Critical
                : hours <= options.WarningWithin.TotalHours ? FindingSeverity.Warning : FindingSeverity.Info,
        };
    }

    // A step: two flat levels, one before and one after the best split, explain the troughs at least as well as the line.
    private static bool IsStep(List<double> x, List<double> y, TheilSenFit fit, LeakDetectorOptions options)
    {
        var n = y.Count;
        if (n < 8)
        {
            return false;
        }

        var lineError = Enumerable.Range(0, n).Sum(i => Math.Abs(y[i] - fit.At(x[i])));
        var (best, split) = (double.MaxValue, -1);
        for (var k = 3; k <= n - 3; k++)
        {
            var left = Trend.Median(y[..k]);
            var right = Trend.Median(y[k..]);
            var error = y[..k].Sum(v => Math.Abs(v - left)) + y[k..].Sum(v => Math.Abs(v - right));
            if (error < best)
            {
                (best, split) = (error, k);
            }
        }

        if (split < 0 || best > lineError * 0.8)
        {
            return false;
        }

        var lenient = options.Significance * 5;
        return Trend.MannKendall(y[..split]).P >= lenient && Trend.MannKendall(y[split..]).P >= lenient;
    }

    // The troughs, whether the series has a sawtooth, and the median height of a cycle (peak over trough).
    private static (List<SeriesPoint> Troughs, bool Sawtooth, double Height) Troughs(IReadOnlyList<SeriesPoint> points, int windows)
    {
        var diffs = new List<double>(points.Count);
        for (var i = 1; i < points.Count; i++)
        {
            diffs.Add(Math.Abs(points[i].Value - points[i - 1].Value));
        }

        var typical = Trend.Median([.. diffs]);
        var drops = new List<int>();
        for (var i = 1; i < points.Count; i++)
        {
            var fall = points[i - 1].Value - points[i].Value;
            if (fall > 0 && fall > typical * 8 && fall > Range(points) * 0.05)
            {
                drops.Add(i);
            }
        }

        // A sawtooth: drops at a steady pace, at least four of them. Each cycle's trough is its lowest point.
        var size = Math.Max(2, points.Count / windows);
        var sawtooth = false;
        if (drops.Count >= 4)
        {
            var gaps = drops.Zip(drops.Skip(1), (a, b) => (double)(b - a)).ToList();
            var median = Trend.Median([.. gaps]);
            if (gaps.Count(g => Math.Abs(g - median) <= median * 0.5) >= gaps.Count * 0.6)
            {
                sawtooth = true;
                size = Math.Max(size, (int)Math.Ceiling(median * 1.5));
            }
        }

        var troughs = new List<SeriesPoint>();
        var heights = new List<double>();
        for (var start = 0; start < points.Count; start += size)
        {
            var end = Math.Min(points.Count, start + size);
            if (end - start < Math.Max(2, size / 2) && troughs.Count > 0)
            {
                break;
            }

            var low = points[start];
            var high = points[start].Value;
            for (var i = start + 1; i < end; i++)
            {
                if (points[i].Value < low.Value)
                {
                    low = points[i];
                }

                high = Math.Max(high, points[i].Value);
            }

            troughs.Add(low);
            heights.Add(high - low.Value);
        }

        return (troughs, sawtooth, Trend.Median(heights));
    }

    private static double Range(IReadOnlyList<SeriesPoint> points)
    {
        double min = double.MaxValue, max = double.MinValue;
        foreach (var p in points)
        {
            min = Math.Min(min, p.Value);
            max = Math.Max(max, p.Value);
        }

        return max - min;
    }
}

/// <summary>What a series' shape is, as <see cref="LeakDetector"/> reads it.</summary>
public enum LeakKind
{
    /// <summary>Too few points, or no time between them.</summary>
    InsufficientData,

    /// <summary>No trend: flat, noisy, or falling.</summary>
    Stable,

    /// <summary>A garbage-collection sawtooth whose troughs do not rise.</summary>
    Sawtooth,

    /// <summary>A rise that has flattened: caches filling, pools growing to their size.</summary>
    WarmUp,

    /// <summary>A jump from one flat level to another.</summary>
    Step,

    /// <summary>Troughs that keep rising.</summary>
    Leak,
}

/// <summary>The verdict on one series.</summary>
/// <param name="Leak">Whether it leaks.</param>
/// <param name="Kind">Its shape.</param>
/// <param name="SlopePerHour">The Theil–Sen slope of the troughs (of the newer half for a leak), in the series' unit per hour.</param>
/// <param name="TimeToExhaustionHours">Hours until the peaks reach the limit; 0 when they already do, null without a leak or a limit.</param>
/// <param name="LowerHours">The interval's early end.</param>
/// <param name="UpperHours">The interval's late end; null when the slope's interval reaches zero.</param>
/// <param name="Severity">Critical within <see cref="LeakDetectorOptions.CriticalWithin"/>, warning within <see cref="LeakDetectorOptions.WarningWithin"/> (or a leak with no limit), info past it.</param>
public sealed record LeakVerdict(
    bool Leak, LeakKind Kind, double SlopePerHour, double? TimeToExhaustionHours, double? LowerHours, double? UpperHours, FindingSeverity Severity)
{
    /// <summary>The low end of the slope's interval.</summary>
    public double SlopeLower { get; init; }

    /// <summary>The high end of the slope's interval.</summary>
    public double SlopeUpper { get; init; }

    /// <summary>One minus the Mann–Kendall p-value of the troughs' trend.</summary>
    public double Confidence { get; init; }

    /// <summary>The current peak level the time to exhaustion starts from.</summary>
    public double Level { get; init; }

    /// <summary>The kind as written in output: <c>leak</c>, <c>sawtooth</c>, <c>warm-up</c>, <c>step</c>, <c>stable</c>, <c>insufficient-data</c>.</summary>
    public string KindName => Kind switch
    {
        LeakKind.InsufficientData => "insufficient-data",
        LeakKind.WarmUp => "warm-up",
        _ => Kind.ToString().ToLowerInvariant(),
    };

    internal static LeakVerdict None(LeakKind kind, double slope) => new(false, kind, slope, null, null, null, FindingSeverity.Info);
}

/// <summary>How <see cref="LeakDetector"/> decides.</summary>
public sealed class LeakDetectorOptions
{
    /// <summary>Fewer points than this are not judged. Default 12.</summary>
    public int MinimumPoints { get; set; } = 12;

    /// <summary>Into how many windows a series without a sawtooth is cut for its troughs. Default 40.</summary>
    public int TroughWindows { get; set; } = 40;

    /// <summary>The Mann–Kendall p-value under which the troughs' rise counts. Default 0.01.</summary>
    public double Significance { get; set; } = 0.01;

    /// <summary>A rise whose newer half climbs slower than this share of its older half is a warm-up. Default 0.3.</summary>
    public double WarmUpRatio { get; set; } = 0.3;

    /// <summary>The confidence of the slope's and the time to exhaustion's interval. Default 0.95.</summary>
    public double Confidence { get; set; } = 0.95;

    /// <summary>A leak that reaches its limit within this is critical. Default 24 h.</summary>
    public TimeSpan CriticalWithin { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A leak that reaches its limit within this (and not within <see cref="CriticalWithin"/>) is a warning. Default 7 days.</summary>
    public TimeSpan WarningWithin { get; set; } = TimeSpan.FromDays(7);
}
