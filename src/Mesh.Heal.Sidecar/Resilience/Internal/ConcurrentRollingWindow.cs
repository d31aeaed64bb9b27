using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>Event counts over a sliding time window, like <see cref="RollingWindow"/>, that many threads record into without a lock.</summary>
/// <remarks>
/// The request path records into it on every request, so a lock here was taken per request. Recording into the current
/// bucket is one volatile read and one or two interlocked increments; the first event of a new bucket claims it with a
/// compare-and-swap, clears it and publishes its epoch, and recorders meeting a bucket being cleared spin the few
/// instructions that takes. An event older than the epoch its bucket holds is dropped; only a recorder preempted for a
/// whole window between reading the epoch and incrementing can still count one event a window late, which a ratio over
/// the window does not notice.
/// Nothing is allocated after construction.
/// </remarks>
internal sealed class ConcurrentRollingWindow
{
    private const long Empty = long.MinValue;
    private const long Clearing = long.MinValue + 1;

    private readonly Bucket[] _buckets;
    private readonly long _bucketTicks;

    /// <summary>Creates a window of <paramref name="window"/> split into <paramref name="bucketCount"/> buckets.</summary>
    public ConcurrentRollingWindow(TimeSpan window, long timestampFrequency, int bucketCount = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketCount, 1);
        _buckets = new Bucket[bucketCount];
        _bucketTicks = Math.Max(1, (long)(window.TotalSeconds * timestampFrequency / bucketCount));
        for (var i = 0; i < _buckets.Length; i++)
        {
            _buckets[i].Epoch = Empty;
        }
    }

    /// <summary>Records one event.</summary>
    public void Record(long timestamp, bool failure)
    {
        ref var bucket = ref Current(timestamp, out var current);
        if (!current)
        {
            return;
        }

        Interlocked.Increment(ref bucket.Total);
        if (failure)
        {
            Interlocked.Increment(ref bucket.Failures);
        }
    }

    /// <summary>Records one event of the second tally.</summary>
    public void RecordExtra(long timestamp)
    {
        ref var bucket = ref Current(timestamp, out var current);
        if (current)
        {
            Interlocked.Increment(ref bucket.Extra);
        }
    }

    /// <summary>Sums the buckets still inside the window at <paramref name="timestamp"/>.</summary>
    public WindowCounts Sum(long timestamp)
    {
        var epoch = timestamp / _bucketTicks;
        long total = 0, failures = 0, extra = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            ref var bucket = ref _buckets[i];
            var bucketEpoch = Volatile.Read(ref bucket.Epoch);
            if (bucketEpoch > epoch - _buckets.Length && bucketEpoch <= epoch)
            {
                total += Volatile.Read(ref bucket.Total);
                failures += Volatile.Read(ref bucket.Failures);
                extra += Volatile.Read(ref bucket.Extra);
            }
        }

        return new WindowCounts(total, failures, extra);
    }

    /// <summary>Forgets everything recorded.</summary>
    public void Clear()
    {
        for (var i = 0; i < _buckets.Length; i++)
        {
            ref var bucket = ref _buckets[i];
            Claim(ref bucket, Empty, Volatile.Read(ref bucket.Epoch), force: true);
        }
    }

    /// <summary>The bucket of <paramref name="timestamp"/>; <paramref name="current"/> is false when a later epoch holds it (the event is older than the window).</summary>
    private ref Bucket Current(long timestamp, out bool current)
    {
        var epoch = timestamp / _bucketTicks;
        ref var bucket = ref _buckets[(int)(epoch % _buckets.Length)];
        var seen = Volatile.Read(ref bucket.Epoch);
        current = seen == epoch || Claim(ref bucket, epoch, seen, force: false);
        return ref bucket;
    }

    /// <summary>Clears the bucket for <paramref name="epoch"/>, unless another thread did, or (without <paramref name="force"/>) a later epoch holds it.</summary>
    /// <returns>Whether the bucket now holds <paramref name="epoch"/>.</returns>
    private static bool Claim(ref Bucket bucket, long epoch, long seen, bool force)
    {
        var spin = default(SpinWait);
        while (true)
        {
            if (seen == Clearing)
            {
                spin.SpinOnce();
                seen = Volatile.Read(ref bucket.Epoch);
                continue;
            }

            if (!force && seen >= epoch)
            {
                // Claimed for this epoch by another thread, or for a later one.
                return seen == epoch;
            }

            if (Interlocked.CompareExchange(ref bucket.Epoch, Clearing, seen) == seen)
            {
                Volatile.Write(ref bucket.Total, 0);
                Volatile.Write(ref bucket.Failures, 0);
                Volatile.Write(ref bucket.Extra, 0);
                Volatile.Write(ref bucket.Epoch, epoch);
                return true;
            }

            seen = Volatile.Read(ref bucket.Epoch);
        }
    }

    private struct Bucket
    {
        public long Epoch;
        public long Total;
        public long Failures;
        public long Extra;
    }
}
