using Polly;
using Polly.Retry;

namespace Mesh.Heal.Sidecar.PolicySync.Internal;

/// <summary>Keeps a control-plane stream running: a Polly retry that opens it again after each failure or end, until shutdown.</summary>
/// <remarks>
/// <para>
/// The n-th wait is drawn uniformly from [d/2, d] where d = min(<see cref="Max"/>, <see cref="Initial"/> × 2^n) and n counts
/// the failures since the control plane last accepted the stream, so the backoff starts over once a stream is accepted. The
/// jitter keeps a fleet of sidecars from reconnecting in step after a control-plane restart, and the lower half-bound keeps any
/// of them from hammering it; Polly's own jitter (decorrelated, down to nearly 0 on a first retry) would lose that bound, so
/// the delay generator draws it. The random source is injected so tests are deterministic.
/// </para>
/// <para>
/// One pipeline is built per process (<c>AddMeshHealSidecar</c> registers this as a singleton) and both streams run on it; each
/// <see cref="RunAsync"/> keeps its own failure count and retry callback in its <see cref="ResilienceContext"/>. Any failure
/// is retried except the cancellation of shutdown, which ends the run quietly.
/// </para>
/// </remarks>
internal sealed class StreamReconnect
{
    /// <summary>The ceiling of the first wait.</summary>
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(250);

    /// <summary>The ceiling of every wait.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    private static readonly ResiliencePropertyKey<Run> RunKey = new("Mesh.Heal.Sidecar.StreamReconnect.Run");

    private readonly ResiliencePipeline _pipeline;
    private readonly Func<double> _random;

    public StreamReconnect(TimeProvider time)
        : this(time, Random.Shared.NextDouble)
    {
    }

    public StreamReconnect(TimeProvider time, Func<double> random)
    {
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
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Delay(args.Context.Properties.GetValue(RunKey, null!).Failures)),
                OnRetry = static args =>
                {
                    var run = args.Context.Properties.GetValue(RunKey, null!);
                    run.Failures++;
                    run.OnRetry(args.Outcome.Exception!, args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Runs <paramref name="stream"/>, and again after each failure or end, until <paramref name="stoppingToken"/> is cancelled.</summary>
    /// <param name="stream">Opens and serves one stream; calls its first argument once the control plane has accepted it.</param>
    /// <param name="onRetry">Told each failure (a stream that ends is a <see cref="StreamEndedException"/>) and the wait before the next attempt.</param>
    /// <param name="stoppingToken">Shutdown: cancels the stream or the wait, and ends the run without another attempt.</param>
    public async Task RunAsync(Func<Action, CancellationToken, Task> stream, Action<Exception, TimeSpan> onRetry, CancellationToken stoppingToken)
    {
        var run = new Run(onRetry);
        var context = ResilienceContextPool.Shared.Get(stoppingToken);
        context.Properties.Set(RunKey, run);
        try
        {
            await _pipeline.ExecuteAsync(
                static async ValueTask (context, state) =>
                {
                    await state.stream(state.run.Accepted, context.CancellationToken);
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

    /// <summary>The wait after <paramref name="failures"/> failures since the last accepted stream (0 for the first).</summary>
    private TimeSpan Delay(int failures)
    {
        var ceiling = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 30)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (0.5 * _random())));
    }

    /// <summary>One stream's retry state, carried in its resilience context.</summary>
    private sealed class Run(Action<Exception, TimeSpan> onRetry)
    {
        public int Failures { get; set; }

        public Action<Exception, TimeSpan> OnRetry => onRetry;

        public void Accepted() => Failures = 0;
    }
}

/// <summary>A control-plane stream ended without an error while the sidecar was running: it is opened again like a failed one.</summary>
internal sealed class StreamEndedException() : Exception("the control plane closed the stream");
