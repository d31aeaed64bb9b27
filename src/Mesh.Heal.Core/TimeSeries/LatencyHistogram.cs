namespace Mesh.Heal.TimeSeries;

/// <summary>A cumulative latency histogram with fixed bucket bounds, safe to record into from many threads.</summary>
/// <remarks>
/// The bounds are the same in the sidecar and the control plane (<see cref="BoundsMs"/>), so reports from every
/// sidecar add up bucket by bucket. Recording is one interlocked increment, without locks or allocation.
/// </remarks>
public sealed class LatencyHistogram
{
    /// <summary>Upper bounds of the buckets in milliseconds; a last bucket counts everything above the highest.</summary>
    public static IReadOnlyList<double> BoundsMs { get; } = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    /// <summary>The number of buckets, the overflow bucket included.</summary>
    public static int BucketCount => BoundsMs.Count + 1;

    private readonly long[] _counts = new long[BucketCount];
    private long _sumMicroseconds;

    /// <summary>Records one duration.</summary>
    public void Record(TimeSpan duration)
    {
        var ms = duration.TotalMilliseconds;
        var i = 0;
        var bounds = BoundsMs;
        while (i < bounds.Count && ms > bounds[i])
        {
            i++;
        }

        Interlocked.Increment(ref _counts[i]);
        Interlocked.Add(ref _sumMicroseconds, (long)(ms * 1000));
    }

    /// <summary>Copies the cumulative counts since creation into <paramref name="counts"/> (length <see cref="BucketCount"/>).</summary>
    /// <returns>The sum of all recorded durations in milliseconds.</returns>
    public double CopyTo(Span<long> counts)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            counts[i] = Interlocked.Read(ref _counts[i]);
        }

        return Interlocked.Read(ref _sumMicroseconds) / 1000.0;
    }

    /// <summary>The latency below which <paramref name="quantile"/> of the counted durations fall, by linear interpolation in the bucket; 0 when empty.</summary>
    public static double Quantile(ReadOnlySpan<long> counts, double quantile)
    {
        // Saturating: stored counts may sit at long.MaxValue, and a wrapped total would put the rank below zero.
        long total = 0;
        foreach (var c in counts)
        {
            total = Saturating.Add(total, c);
        }

        if (total == 0)
        {
            return 0;
        }

        var rank = quantile * total;
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (Saturating.Add(seen, counts[i]) >= rank && counts[i] > 0)
            {
                var lower = i == 0 ? 0 : BoundsMs[i - 1];
                var upper = i < BoundsMs.Count ? BoundsMs[i] : BoundsMs[^1] * 2;
                return lower + ((upper - lower) * (rank - seen) / counts[i]);
            }

            seen = Saturating.Add(seen, counts[i]);
        }

        return BoundsMs[^1];
    }
}
