namespace Mesh.Heal.TimeSeries;

/// <summary>Event counts over a sliding time window, kept in a fixed ring of buckets.</summary>
/// <remarks>
/// Timestamps are <see cref="TimeProvider.GetTimestamp"/> values, so the window follows a fake clock in tests.
/// Not thread-safe: the owner calls it under its own lock. Nothing is allocated after construction.
/// </remarks>
public sealed class RollingWindow
{
    private readonly Bucket[] _buckets;
    private readonly long _bucketTicks;

    /// <summary>Creates a window of <paramref name="window"/> split into <paramref name="bucketCount"/> buckets.</summary>
    public RollingWindow(TimeSpan window, long timestampFrequency, int bucketCount = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketCount, 1);
        _buckets = new Bucket[bucketCount];
        _bucketTicks = Math.Max(1, (long)(window.TotalSeconds * timestampFrequency / bucketCount));
        for (var i = 0; i < _buckets.Length; i++)
        {
            _buckets[i].Epoch = long.MinValue;
        }
    }

    /// <summary>Records one event.</summary>
    public void Record(long timestamp, bool failure)
    {
        ref var bucket = ref Current(timestamp);
        bucket.Total++;
        if (failure)
        {
            bucket.Failures++;
        }
    }

    /// <summary>Records one event of the second tally.</summary>
    public void RecordExtra(long timestamp) => Current(timestamp).Extra++;

    /// <summary>Sums the buckets still inside the window at <paramref name="timestamp"/>.</summary>
    public WindowCounts Sum(long timestamp)
    {
        var epoch = timestamp / _bucketTicks;
        long total = 0, failures = 0, extra = 0;
        foreach (ref readonly var bucket in _buckets.AsSpan())
        {
            if (bucket.Epoch > epoch - _buckets.Length && bucket.Epoch <= epoch)
            {
                total += bucket.Total;
                failures += bucket.Failures;
                extra += bucket.Extra;
            }
        }

        return new WindowCounts(total, failures, extra);
    }

    /// <summary>Forgets everything recorded.</summary>
    public void Clear()
    {
        for (var i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] = new Bucket { Epoch = long.MinValue };
        }
    }

    private ref Bucket Current(long timestamp)
    {
        var epoch = timestamp / _bucketTicks;
        ref var bucket = ref _buckets[(int)(epoch % _buckets.Length)];
        if (bucket.Epoch != epoch)
        {
            bucket = new Bucket { Epoch = epoch };
        }

        return ref bucket;
    }

    private struct Bucket
    {
        public long Epoch;
        public long Total;
        public long Failures;
        public long Extra;
    }
}
