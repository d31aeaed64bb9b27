using System.Threading.Channels;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Sidecar.PolicySync.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.Sidecar.Tests.PolicySync;

/// <summary>
/// The control-plane streams' reconnect (a Polly retry) on a fake clock: each wait is observed as the retry reports it and
/// then elapsed by advancing the clock once the retry's timer exists, so no test sleeps or polls.
/// </summary>
public class StreamReconnectTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly ObservedTime _time = new();
    private readonly Channel<(Exception Failure, TimeSpan Delay)> _retries = Channel.CreateUnbounded<(Exception, TimeSpan)>();
    private readonly Channel<(int Address, TimeSpan Delay)> _moves = Channel.CreateUnbounded<(int, TimeSpan)>();
    private readonly CancellationTokenSource _stop = new();
    private int _attempts;

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(0.0, 0.5)]
    public async Task Delays_DoubleFromInitial_UpToMax_WithinTheJitterBand(double random, double factor)
    {
        var run = Start(new StreamReconnect(_time, () => random), static (_, _) => throw new IOException("refused"));

        double[] ceilingsMs = [250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000];
        foreach (var ceiling in ceilingsMs)
        {
            Assert.Equal(TimeSpan.FromMilliseconds(ceiling * factor), await NextRetryAndElapseAsync());
        }

        await StopAsync(run);
        Assert.Equal(ceilingsMs.Length + 1, _attempts);
    }

    [Fact]
    public async Task Jitter_DrawsEachWaitFromTheRandomSource_BetweenHalfAndTheWholeCeiling()
    {
        var draws = new Queue<double>([0.0, 0.5, 1.0, 0.25]);
        var run = Start(new StreamReconnect(_time, () => draws.TryDequeue(out var draw) ? draw : 1.0), static (_, _) => throw new IOException("refused"));

        Assert.Equal(TimeSpan.FromMilliseconds(125), await NextRetryAndElapseAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(375), await NextRetryAndElapseAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(1_000), await NextRetryAndElapseAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(1_250), await NextRetryAndElapseAsync());
        await StopAsync(run);
    }

    [Fact]
    public async Task Backoff_StartsOver_OnceAStreamIsAccepted()
    {
        // Attempts 0-2 are refused, 3 is accepted and then drops, 4 is refused again.
        var run = Start(new StreamReconnect(_time, () => 1.0), (accepted, _) =>
        {
            if (_attempts == 4)
            {
                accepted();
                throw new IOException("dropped");
            }

            throw new IOException("refused");
        });

        Assert.Equal(TimeSpan.FromMilliseconds(250), await NextRetryAndElapseAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(500), await NextRetryAndElapseAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(1_000), await NextRetryAndElapseAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(250), await NextRetryAndElapseAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(500), await NextRetryAndElapseAsync());
        await StopAsync(run);
    }

    [Fact]
    public async Task AStreamThatEnds_IsOpenedAgain_AfterTheBackoff_AndReportedAsClosed()
    {
        var run = Start(new StreamReconnect(_time, () => 1.0), static (_, _) => Task.CompletedTask);

        var (failure, delay) = await _retries.Reader.ReadAsync().AsTask().WaitAsync(Deadline);
        Assert.IsType<StreamEndedException>(failure);
        Assert.Equal(TimeSpan.FromMilliseconds(250), delay);
        await ElapseAsync(delay);
        Assert.Equal(TimeSpan.FromMilliseconds(500), await NextRetryAndElapseAsync());
        await StopAsync(run);
    }

    [Fact]
    public async Task AnyFailure_IsRetried_IncludingACancellationThatIsNotShutdown()
    {
        var failures = new Queue<Exception>([new OperationCanceledException("a deadline"), new InvalidOperationException("bug")]);
        var run = Start(new StreamReconnect(_time, () => 1.0), (_, _) => throw (failures.TryDequeue(out var failure) ? failure : new IOException("refused")));

        Assert.IsType<OperationCanceledException>((await NextRetryAsync()).Failure);
        await ElapseAsync(TimeSpan.FromMilliseconds(250));
        Assert.IsType<InvalidOperationException>((await NextRetryAsync()).Failure);
        await StopAsync(run);
    }

    [Fact]
    public async Task Shutdown_DuringAWait_EndsTheRunQuietly_WithoutAnotherAttempt()
    {
        var run = Start(new StreamReconnect(_time, () => 1.0), static (_, _) => throw new IOException("refused"));
        await NextRetryAsync();
        await _time.NextTimerAsync().WaitAsync(Deadline);

        await _stop.CancelAsync();
        await run.WaitAsync(Deadline);
        _time.Advance(StreamReconnect.Max);
        Assert.Equal(1, _attempts);
    }

    [Fact]
    public async Task Shutdown_CancellingAnOpenStream_IsNeitherRetriedNorAnError()
    {
        var open = new TaskCompletionSource();
        var run = Start(new StreamReconnect(_time, () => 1.0), async (accepted, cancellationToken) =>
        {
            accepted();
            open.SetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        });
        await open.Task.WaitAsync(Deadline);

        await _stop.CancelAsync();
        await run.WaitAsync(Deadline);
        Assert.False(_retries.Reader.TryRead(out _));
        Assert.Equal(1, _attempts);
    }

    [Fact]
    public async Task AddMeshHealSidecar_RegistersOneReconnect_ForBothStreams_OnTheHostsClock()
    {
        var services = new ServiceCollection().AddSingleton<TimeProvider>(_time);
        services.AddMeshHealSidecar(new ConfigurationBuilder().Build());
        await using var provider = services.BuildServiceProvider();

        var reconnect = provider.GetRequiredService<StreamReconnect>();
        Assert.Same(reconnect, provider.GetRequiredService<StreamReconnect>());

        // Its waits run on the registered clock: the fake one here, so the retry's timer shows on it.
        var run = Start(reconnect, static (_, _) => throw new IOException("refused"));
        await NextRetryAndElapseAsync();
        await NextRetryAsync();
        await StopAsync(run);
        Assert.Equal(2, _attempts);
    }

    [Fact]
    public async Task Failover_MovesToTheNextAddressAtOnce_AndWaitsOnlyAfterEveryAddressFailedInARow()
    {
        var tried = new List<int>();
        var run = StartOn(new StreamReconnect(_time, () => 1.0), 3, (address, _, _) =>
        {
            tried.Add(address);
            throw new IOException("refused");
        });

        // 0 and 1 refuse: the next address at once, with no timer armed; 2 refuses too: the round is over, the backoff waits.
        Assert.Equal((1, TimeSpan.Zero), await NextMoveAsync());
        Assert.Equal((2, TimeSpan.Zero), await NextMoveAsync());
        Assert.Equal((0, TimeSpan.FromMilliseconds(250)), await NextMoveAsync());
        await ElapseAsync(TimeSpan.FromMilliseconds(250));
        Assert.Equal((1, TimeSpan.Zero), await NextMoveAsync());
        Assert.Equal((2, TimeSpan.Zero), await NextMoveAsync());
        Assert.Equal((0, TimeSpan.FromMilliseconds(500)), await NextMoveAsync());
        await _time.NextTimerAsync().WaitAsync(Deadline);
        await StopAsync(run);
        Assert.Equal([0, 1, 2, 0, 1, 2], tried);

        // Only the two backoff waits armed a timer: moving to the next address never waits on the clock.
        Assert.Equal(2, _time.Timers);
    }

    [Fact]
    public async Task AcceptedStreamLost_MovesToTheNextAddress_WithoutAWait_AndFromThereAroundTheList()
    {
        var up = new TaskCompletionSource();
        var drop = new TaskCompletionSource();
        var run = StartOn(new StreamReconnect(_time, () => 1.0), 2, async (address, accepted, cancellationToken) =>
        {
            if (address == 0 && !drop.Task.IsCompleted)
            {
                accepted();
                up.SetResult();
                await drop.Task.WaitAsync(cancellationToken);
                throw new IOException("the replica died");
            }

            throw new IOException("refused");
        });
        await up.Task.WaitAsync(Deadline);
        _time.Advance(StreamReconnect.Stable);
        drop.SetResult();

        Assert.Equal((1, TimeSpan.Zero), await NextMoveAsync());
        Assert.Equal((0, TimeSpan.FromMilliseconds(250)), await NextMoveAsync());
        await ElapseAsync(TimeSpan.FromMilliseconds(250));
        Assert.Equal((1, TimeSpan.Zero), await NextMoveAsync());
        Assert.Equal((0, TimeSpan.FromMilliseconds(500)), await NextMoveAsync());
        await StopAsync(run);
    }

    [Fact]
    public async Task StreamsAcceptedAndDroppedAtOnce_StillWait_AfterEachRoundOfAddresses()
    {
        var run = StartOn(new StreamReconnect(_time, () => 1.0), 2, (_, accepted, _) =>
        {
            accepted();
            throw new IOException("dropped");
        });

        // Accepted streams start the backoff over (250 ms each round), but a stream lost within Stable is no reason to skip the wait.
        for (var round = 0; round < 3; round++)
        {
            Assert.Equal((1, TimeSpan.Zero), await NextMoveAsync());
            Assert.Equal((0, TimeSpan.FromMilliseconds(250)), await NextMoveAsync());
            await ElapseAsync(TimeSpan.FromMilliseconds(250));
        }

        await StopAsync(run);
    }

    [Fact]
    public async Task OneAddress_EveryFailureWaits_AsWithoutAList()
    {
        var run = StartOn(new StreamReconnect(_time, () => 1.0), 1, static (_, _, _) => throw new IOException("refused"));

        Assert.Equal((0, TimeSpan.FromMilliseconds(250)), await NextMoveAsync());
        await ElapseAsync(TimeSpan.FromMilliseconds(250));
        Assert.Equal((0, TimeSpan.FromMilliseconds(500)), await NextMoveAsync());
        await StopAsync(run);
    }

    private Task StartOn(StreamReconnect reconnect, int addresses, Func<int, Action, CancellationToken, Task> stream) =>
        reconnect.RunAsync(
            addresses,
            (address, accepted, cancellationToken) =>
            {
                Interlocked.Increment(ref _attempts);
                return stream(address, accepted, cancellationToken);
            },
            (_, next, delay) => _moves.Writer.TryWrite((next, delay)),
            _stop.Token);

    /// <summary>The address of the next attempt and the wait before it, as the retry reports them.</summary>
    private async Task<(int Address, TimeSpan Delay)> NextMoveAsync() => await _moves.Reader.ReadAsync().AsTask().WaitAsync(Deadline);

    private Task Start(StreamReconnect reconnect, Func<Action, CancellationToken, Task> stream) =>
        reconnect.RunAsync(
            (accepted, cancellationToken) =>
            {
                Interlocked.Increment(ref _attempts);
                return stream(accepted, cancellationToken);
            },
            (failure, delay) => _retries.Writer.TryWrite((failure, delay)),
            _stop.Token);

    private async Task<(Exception Failure, TimeSpan Delay)> NextRetryAsync() =>
        await _retries.Reader.ReadAsync().AsTask().WaitAsync(Deadline);

    /// <summary>The next wait the retry reports, elapsed on the fake clock so the next attempt runs.</summary>
    private async Task<TimeSpan> NextRetryAndElapseAsync()
    {
        var (_, delay) = await NextRetryAsync();
        await ElapseAsync(delay);
        return delay;
    }

    /// <summary>Waits for the retry's timer to exist, then advances the clock by <paramref name="delay"/>.</summary>
    private async Task ElapseAsync(TimeSpan delay)
    {
        await _time.NextTimerAsync().WaitAsync(Deadline);
        _time.Advance(delay);
    }

    private async Task StopAsync(Task run)
    {
        await _stop.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    /// <summary>A fake clock that reports each timer created on it, so a test advances it only once the wait is armed.</summary>
    private sealed class ObservedTime : TimeProvider
    {
        private readonly FakeTimeProvider _fake = new(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero));
        private readonly Channel<bool> _timers = Channel.CreateUnbounded<bool>();
        private int _created;

        /// <summary>How many timers were created on this clock.</summary>
        public int Timers => Volatile.Read(ref _created);

        public override long TimestampFrequency => _fake.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

        public override long GetTimestamp() => _fake.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = _fake.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _created);
            _timers.Writer.TryWrite(true);
            return timer;
        }

        public void Advance(TimeSpan delay) => _fake.Advance(delay);

        public Task NextTimerAsync() => _timers.Reader.ReadAsync().AsTask();
    }
}
