using Polly;
using Polly.Retry;

namespace Mesh.Heal.Sidecar.PolicySync.Internal;

/// <summary>Keeps a control-plane stream running: a Polly retry that opens it again after each failure or end, until shutdown,
/// moving round-robin over the control plane's addresses.</summary>
/// <remarks>
/// <para>
/// Each failure moves the stream to the next address at once; the backoff applies only once every address has failed in a
/// row, so losing one replica costs no wait while a live one is listed. Each backoff wait is drawn uniformly from [d/2, d]
/// where d = min(<see cref="Max"/>, <see cref="Initial"/> × 2^n) and n counts the waits since the control plane last accepted
/// the stream, so the backoff starts over once a stream is accepted (with one address, every failure waits: n counts the
/// failures). The jitter keeps a fleet of sidecars from reconnecting in step after a control-plane restart, and the lower
/// half-bound keeps any of them from hammering it; Polly's own jitter (decorrelated, down to nearly 0 on a first retry) would
/// lose that bound, so the delay generator draws it. The random source is injected so tests are deterministic.
/// </para>
/// <para>
/// A stream accepted and lost within <see cref="Stable"/> does not start the round of addresses over: replicas that accept
/// and at once drop streams get a wait after every round, not a loop without one.
/// </para>
/// <para>
/// One pipeline is built per process (<c>AddMeshHealSidecar</c> registers this as a singleton) and both streams run on it; each
/// <see cref="RunAsync(int, Func{int, Action, CancellationToken, Task}, Action{Exception, int, TimeSpan}, CancellationToken)"/>
/// keeps its own address, counts and retry callback in its <see cref="ResilienceContext"/>. Any failure is retried except the
/// cancellation of shutdown, which ends the run quietly.
/// </para>
/// </remarks>
internal sealed class StreamReconnect
{
    /// <summary>The ceiling of the first wait.</summary>
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(250);

    /// <summary>The ceiling of every wait.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    /// <summary>How long an accepted stream must last for its loss to start a new round of addresses without a wait.</summary>
    public static readonly TimeSpan Stable = TimeSpan.FromSeconds(1);

    private static readonly ResiliencePropertyKey<Run> RunKey = new("Mesh.Heal.Sidecar.StreamReconnect.Run");

    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly Func<double> _random;

    public StreamReconnect(TimeProvider time)
        : this(time, Random.Shared.NextDouble)
    {
    }

    public StreamReconnect(TimeProvider time, Func<double> random)
    {
        _time = time;
        _random = random;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = Initial,
                MaxDelay = Max,
                UseJitter = false,
                Randomizer = random,
                ShouldHandle = static args => ValueTask.FromResult(
                    args.Outcome.Exception is not null && !args.Context.CancellationToken.IsCancellationRequested),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(args.Context.Properties.GetValue(RunKey, null!).OnFailure(this)),
                OnRetry = static args =>
                {
                    var run = args.Context.Properties.GetValue(RunKey, null!);
                    run.OnRetry(args.Outcome.Exception!, run.Address, args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Runs <paramref name="stream"/> against one address, and again after each failure or end, until <paramref name="stoppingToken"/> is cancelled.</summary>
    /// <param name="stream">Opens and serves one stream; calls its first argument once the control plane has accepted it.</param>
    /// <param name="onRetry">Told each failure (a stream that ends is a <see cref="StreamEndedException"/>) and the wait before the next attempt.</param>
    /// <param name="stoppingToken">Shutdown: cancels the stream or the wait, and ends the run without another attempt.</param>
    public Task RunAsync(Func<Action, CancellationToken, Task> stream, Action<Exception, TimeSpan> onRetry, CancellationToken stoppingToken) =>
        RunAsync(1, (_, accepted, cancellationToken) => stream(accepted, cancellationToken), (failure, _, delay) => onRetry(failure, delay), stoppingToken);

    /// <summary>Runs <paramref name="stream"/>, and again after each failure or end on the next of <paramref name="addresses"/>, until <paramref name="stoppingToken"/> is cancelled.</summary>
    /// <param name="addresses">How many addresses there are; the first attempt takes address 0.</param>
    /// <param name="stream">Opens and serves one stream to the address it is given; calls its second argument once the control plane has accepted it.</param>
    /// <param name="onRetry">Told each failure (a stream that ends is a <see cref="StreamEndedException"/>), the address of the next attempt and the wait before it.</param>
    /// <param name="stoppingToken">Shutdown: cancels the stream or the wait, and ends the run without another attempt.</param>
    public async Task RunAsync(
        int addresses, Func<int, Action, CancellationToken, Task> stream, Action<Exception, int, TimeSpan> onRetry, CancellationToken stoppingToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(addresses, 1);
        var run = new Run(addresses, onRetry, _time);
        var context = ResilienceContextPool.Shared.Get(stoppingToken);
        context.Properties.Set(RunKey, run);
        try
        {
            await _pipeline.ExecuteAsync(
                static async ValueTask (context, state) =>
                {
                    await state.stream(state.run.Address, state.run.Accepted, context.CancellationToken);
                    if (!context.CancellationToken.IsCancellationRequested)
                    {
                        throw new StreamEndedException();
                    }
                },
                context,
                (stream, run));
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping cancels the call (gRPC reports a cancelled RpcException) or the wait: no reconnect, no warning.
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>The backoff wait after <paramref name="waits"/> waits since the last accepted stream (0 for the first).</summary>
    /// <remarks>Also the wait between retries of other requests made on an open stream (a refused certificate request).</remarks>
    public TimeSpan Delay(int waits)
    {
        var ceiling = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, Math.Min(waits, 30)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (0.5 * _random())));
    }

    /// <summary>One stream's retry state, carried in its resilience context.</summary>
    private sealed class Run(int addresses, Action<Exception, int, TimeSpan> onRetry, TimeProvider time)
    {
        private int _waits;
        private int _failedInARow;
        private long? _acceptedAt;

        /// <summary>The address the next (or current) attempt uses.</summary>
        public int Address { get; private set; }

        public Action<Exception, int, TimeSpan> OnRetry => onRetry;

        public void Accepted()
        {
            _waits = 0;
            _acceptedAt = time.GetTimestamp();
        }

        /// <summary>Moves to the next address and says how long to wait before trying it: nothing until every address has failed in a row.</summary>
        public TimeSpan OnFailure(StreamReconnect owner)
        {
            if (_acceptedAt is { } acceptedAt && time.GetElapsedTime(acceptedAt) >= Stable)
            {
                _failedInARow = 0;
            }

            _acceptedAt = null;
            Address = (Address + 1) % addresses;
            if (++_failedInARow < addresses)
            {
                return TimeSpan.Zero;
            }

            _failedInARow = 0;
            return owner.Delay(_waits++);
        }
    }
}

/// <summary>A control-plane stream ended without an error while the sidecar was running: it is opened again like a failed one.</summary>
internal sealed class StreamEndedException() : Exception("the control plane closed the stream");
