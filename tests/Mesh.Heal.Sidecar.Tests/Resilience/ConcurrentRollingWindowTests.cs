using Mesh.Heal.Sidecar.Resilience.Internal;

namespace Mesh.Heal.Sidecar.Tests.Resilience;

public class ConcurrentRollingWindowTests
{
    // One tick per timestamp unit: a 10-tick window of ten 1-tick buckets.
    private static ConcurrentRollingWindow Create() => new(TimeSpan.FromSeconds(10), timestampFrequency: 1);

    [Fact]
    public void Record_ManyThreadsInOneBucket_CountsEveryEvent()
    {
        var window = Create();
        const int Threads = 4, PerThread = 100_000;

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                window.Record(5, failure: i % 4 == 0);
            }
        });

        var counts = window.Sum(5);
        Assert.Equal(Threads * PerThread, counts.Total);
        Assert.Equal(Threads * PerThread / 4, counts.Failures);
    }

    [Fact]
    public void Record_ManyThreadsAcrossBucketRotations_LosesNothingInsideTheWindow()
    {
        var window = Create();
        const int Threads = 4, Ticks = 25, PerTick = 1000;
        using var barrier = new Barrier(Threads);

        // The threads move from tick to tick together, so buckets are claimed and cleared while others record into them.
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (var tick = 0; tick < Ticks; tick++)
            {
                barrier.SignalAndWait();
                for (var i = 0; i < PerTick; i++)
                {
                    window.Record(tick, failure: false);
                }
            }
        });

        // The last ten ticks are inside the window at the end, each with every thread's events, and nothing older.
        Assert.Equal(Threads * 10 * PerTick, window.Sum(Ticks - 1).Total);
    }

    [Fact]
    public void Record_AnEventOlderThanItsBucket_IsDropped()
    {
        var window = Create();
        window.Record(12, failure: false);

        // Tick 2 maps to the bucket tick 12 holds now: counting it there would add an old event to a newer bucket.
        window.Record(2, failure: true);

        Assert.Equal(new(1, 0, 0), window.Sum(12));
    }

    [Fact]
    public void Sum_OldBuckets_AreOutsideTheWindow()
    {
        var window = Create();
        window.Record(0, failure: true);
        window.Record(9, failure: false);
        window.RecordExtra(9);

        Assert.Equal(new(2, 1, 1), window.Sum(9));
        Assert.Equal(new(1, 0, 1), window.Sum(10));

        // Tick 20 reuses tick 0's and tick 10's bucket: the old count is cleared, not added.
        window.Record(20, failure: false);
        Assert.Equal(new(1, 0, 0), window.Sum(20));
    }

    [Fact]
    public void Clear_ForgetsEverything_AndRecordsAgain()
    {
        var window = Create();
        window.Record(3, failure: true);
        window.Record(4, failure: false);

        window.Clear();
        Assert.Equal(new(0, 0, 0), window.Sum(4));

        window.Record(4, failure: false);
        Assert.Equal(new(1, 0, 0), window.Sum(4));
    }
}
