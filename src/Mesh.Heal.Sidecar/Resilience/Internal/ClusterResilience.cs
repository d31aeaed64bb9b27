using Mesh.Heal.Health;
using Mesh.Heal.Policy;
using Mesh.Heal.TimeSeries;
using Polly;
using Polly.CircuitBreaker;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>Everything the sidecar enforces for one upstream cluster: breaker, health, retry budget, counters.</summary>
/// <remarks>
/// The breaker is Polly's circuit breaker; its state changes drive the <see cref="HealthStateMachine"/>. A policy
/// change swaps the settings atomically; the breaker and health state are rebuilt only when the
/// <see cref="CircuitBreakerPolicy"/> itself changed, and the retry budget only when its own settings did. An
/// operator's <see cref="BreakerOverride"/> is read from the policy on each request and never touches the breaker,
/// so when it ends the breaker carries on from the state it had.
/// </remarks>
internal sealed class ClusterResilience
{
    private readonly TimeProvider _time;
    private readonly Action<string, HealthState, HealthState>? _onTransition;
    private volatile ClusterPolicy _policy;
    private volatile Breaker _breaker;
    private volatile RetryBudget _budget;
    private long _requests;
    private long _attemptFailures;
    private long _fallbacks;
    private long _rejected;
    private long _retries;
    private long _callerFailures;
    private long _callerErrors;
    private readonly long[] _attemptResults = new long[AttemptResultCount];
    private readonly LatencyHistogram _latency = new();

    /// <summary>How many <see cref="AttemptResult"/> values there are: the length of <see cref="CopyAttemptResults"/>' target.</summary>
    public const int AttemptResultCount = (int)AttemptResult.Rejected + 1;

    public ClusterResilience(string clusterId, ClusterPolicy policy, TimeProvider time, Action<string, HealthState, HealthState>? onTransition = null)
    {
        ClusterId = clusterId;
        _time = time;
        _onTransition = onTransition;
        _policy = policy;
        _breaker = new Breaker(this, policy.CircuitBreaker);
        _budget = new RetryBudget(policy.Retry.BudgetPercent, policy.CircuitBreaker.SamplingDuration, time);
    }

    public string ClusterId { get; }

    public ClusterPolicy Policy => _policy;

    public HealthState Health => _policy.Override == BreakerOverride.ForceOpen ? HealthState.Failed : _breaker.Health.State;

    public HealthStateMachine HealthMachine => _breaker.Health;

    public BreakerState BreakerState => _policy.Override switch
    {
        BreakerOverride.ForceOpen => BreakerState.Isolated,
        BreakerOverride.ForceClosed => BreakerState.Closed,
        _ => PollyState,
    };

    private BreakerState PollyState => _breaker.StateProvider.CircuitState switch
    {
        CircuitState.Closed => BreakerState.Closed,
        CircuitState.Open => BreakerState.Open,
        CircuitState.HalfOpen => BreakerState.HalfOpen,

        // Polly's isolation is how a run of failures holds the breaker open; nothing else isolates it yet.
        _ => BreakerState.Open,
    };

    public long Requests => Interlocked.Read(ref _requests);

    public long AttemptFailures => Interlocked.Read(ref _attemptFailures);

    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Retries => Interlocked.Read(ref _retries);

    public long CallerFailures => Interlocked.Read(ref _callerFailures);

    /// <summary>Attempts that failed on the caller's side (aborted, slow or broken request body): never the upstream's failures.</summary>
    public long CallerErrors => Interlocked.Read(ref _callerErrors);

    /// <summary>The latency of every request through this cluster, as the caller saw it.</summary>
    public LatencyHistogram Latency => _latency;

    /// <summary>Copies the cumulative count of primary attempts by <see cref="AttemptResult"/> into <paramref name="counts"/>.</summary>
    public void CopyAttemptResults(Span<long> counts)
    {
        for (var i = 0; i < _attemptResults.Length; i++)
        {
            counts[i] = Interlocked.Read(ref _attemptResults[i]);
        }
    }

    /// <summary>Applies a new policy, keeping breaker and health state unless the breaker settings changed.</summary>
    /// <returns>True when the breaker was rebuilt (its state reset).</returns>
    public bool Update(ClusterPolicy policy)
    {
        var current = _policy;
        if (policy == current)
        {
            return false;
        }

        var rebuild = policy.CircuitBreaker != current.CircuitBreaker;
        if (rebuild)
        {
            _breaker = new Breaker(this, policy.CircuitBreaker);
        }

        if (policy.Retry.BudgetPercent != _budget.BudgetPercent || policy.CircuitBreaker.SamplingDuration != _budget.Window)
        {
            _budget = new RetryBudget(policy.Retry.BudgetPercent, policy.CircuitBreaker.SamplingDuration, _time);
        }

        _policy = policy;
        return rebuild;
    }

    /// <summary>Counts an incoming request and feeds the retry budget.</summary>
    public void OnRequest()
    {
        Interlocked.Increment(ref _requests);
        _budget.RecordRequest();
    }

    /// <summary>Whether this request tries the primary: false for the fallback's share while Recovering, and under a forced fallback or a forced-open breaker.</summary>
    public bool ShouldTryPrimary() => _policy.Override switch
    {
        BreakerOverride.ForceOpen or BreakerOverride.ForceFallback => false,
        BreakerOverride.ForceClosed => true,
        _ => _breaker.Health.ShouldTryPrimary(),
    };

    /// <summary>Takes a retry from the budget, refusing while the breaker is not closed.</summary>
    public bool TryAcquireRetry()
    {
        if (BreakerState != BreakerState.Closed)
        {
            return false;
        }

        if (!_budget.TryAcquire())
        {
            return false;
        }

        Interlocked.Increment(ref _retries);
        return true;
    }

    public void CountFallback() => Interlocked.Increment(ref _fallbacks);

    public void CountCallerError() => Interlocked.Increment(ref _callerErrors);

    /// <summary>Records what the caller got and how long it took.</summary>
    /// <param name="outcome">What the caller got.</param>
    /// <param name="duration">How long it took.</param>
    /// <param name="callerCaused">The caller's own slowness or failure ended the request: its time says nothing about the upstream.</param>
    public void OnCompleted(RequestOutcome outcome, TimeSpan duration, bool callerCaused = false)
    {
        if (outcome == RequestOutcome.Failure)
        {
            Interlocked.Increment(ref _callerFailures);
        }

        if (!callerCaused)
        {
            _latency.Record(duration);
        }
    }

    /// <summary>Runs one primary attempt through the breaker (or as an override says) and records its outcome.</summary>
    /// <param name="attempt">The attempt.</param>
    /// <param name="state">Its state.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <param name="destinationOf">Where the attempt went and how many destinations it had to choose from, read after it
    /// ran; without it, every failure counts towards the run that trips the breaker.</param>
    public ValueTask<AttemptResult> ExecuteAsync<TState>(
        Func<TState, ValueTask<AttemptResult>> attempt, TState state, CancellationToken cancellationToken, Func<TState, (string? Destination, int Destinations)>? destinationOf = null) =>
        ExecuteOutcomeAsync(
            static async s => Outcome.FromResult(new BreakerOutcome(await s.Attempt(s.State).ConfigureAwait(false))),
            new Adapted<TState>(attempt, state, destinationOf),
            cancellationToken,
            static s => s.DestinationOf?.Invoke(s.State) ?? default);

    /// <summary>Runs one primary attempt, whose result Polly sees as it comes, through the breaker (or as an override says) and records its outcome.</summary>
    /// <remarks>
    /// The request path's entry: the attempt is Polly's callback itself, with no async frame between them. On the success
    /// path with the breaker closed nothing is allocated when the attempt completes at once (one frame here when it
    /// awaits), and no lock of ours is taken; Polly's breaker takes its own lock before and after the attempt.
    /// </remarks>
    /// <param name="attempt">The attempt; an exception it throws is rethrown after the breaker counted it as a failure.</param>
    /// <param name="state">Its state.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <param name="destinationOf">Where the attempt went and how many destinations it had to choose from, read after it
    /// ran; without it, every failure counts towards the run that trips the breaker.</param>
    public ValueTask<AttemptResult> ExecuteOutcomeAsync<TState>(
        Func<TState, ValueTask<Outcome<BreakerOutcome>>> attempt, TState state, CancellationToken cancellationToken, Func<TState, (string? Destination, int Destinations)>? destinationOf = null)
    {
        // Not an async method: an attempt that completes at once goes through without a state machine (nor a box for
        // one), and one that awaits costs a single frame, in AwaitThroughBreakerAsync.
        var breaker = _breaker;
        if (_policy.Override is BreakerOverride.ForceOpen or BreakerOverride.ForceClosed)
        {
            return ExecuteOverriddenAsync(attempt, state, breaker);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        ValueTask<Outcome<BreakerOutcome>> pending;
        try
        {
            pending = breaker.Pipeline.ExecuteOutcomeAsync(static (_, s) => s.attempt(s.state), context, (attempt, state));
        }
        catch
        {
            ResilienceContextPool.Shared.Return(context);
            throw;
        }

        if (!pending.IsCompleted)
        {
            return AwaitThroughBreakerAsync(pending, context, breaker, state, destinationOf);
        }

        var outcome = pending.Result;
        ResilienceContextPool.Shared.Return(context);
        return Complete(outcome, breaker, state, destinationOf);
    }

    private async ValueTask<AttemptResult> AwaitThroughBreakerAsync<TState>(
        ValueTask<Outcome<BreakerOutcome>> pending, ResilienceContext context, Breaker breaker, TState state, Func<TState, (string? Destination, int Destinations)>? destinationOf)
    {
        Outcome<BreakerOutcome> outcome;
        try
        {
            outcome = await pending.ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        return await Complete(outcome, breaker, state, destinationOf).ConfigureAwait(false);
    }

    /// <summary>Counts what the breaker let through; only a failure goes on to an async step (the run-of-failures trip).</summary>
    private ValueTask<AttemptResult> Complete<TState>(
        Outcome<BreakerOutcome> outcome, Breaker breaker, TState state, Func<TState, (string? Destination, int Destinations)>? destinationOf)
    {
        if (outcome.Exception is BrokenCircuitException)
        {
            Interlocked.Increment(ref _rejected);
            Count(AttemptResult.Rejected);
            return new ValueTask<AttemptResult>(AttemptResult.Rejected);
        }

        outcome.ThrowIfException();
        var result = outcome.Result.Result;
        if (result.IsFailure())
        {
            return OnFailureAsync(result, breaker, destinationOf?.Invoke(state) ?? default);
        }

        if (result == AttemptResult.Success)
        {
            breaker.OnSuccess();
        }

        breaker.Health.Record(result);
        Count(result);
        return new ValueTask<AttemptResult>(result);
    }

    private async ValueTask<AttemptResult> OnFailureAsync(AttemptResult result, Breaker breaker, (string? Destination, int Destinations) where)
    {
        Interlocked.Increment(ref _attemptFailures);
        await breaker.OnFailureAsync(where).ConfigureAwait(false);
        breaker.Health.Record(result);
        Count(result);
        return result;
    }

    private async ValueTask<AttemptResult> ExecuteOverriddenAsync<TState>(Func<TState, ValueTask<Outcome<BreakerOutcome>>> attempt, TState state, Breaker breaker)
    {
        if (_policy.Override == BreakerOverride.ForceOpen)
        {
            Interlocked.Increment(ref _rejected);
            Count(AttemptResult.Rejected);
            return AttemptResult.Rejected;
        }

        // Held closed: outcomes still feed the health window, never the breaker.
        var forced = await attempt(state).ConfigureAwait(false);
        forced.ThrowIfException();
        var result = forced.Result.Result;
        if (result.IsFailure())
        {
            Interlocked.Increment(ref _attemptFailures);
        }

        breaker.Health.Record(result);
        Count(result);
        return result;
    }

    private void Count(AttemptResult result) => Interlocked.Increment(ref _attemptResults[(int)result]);

    /// <summary>A Polly breaker and the health machine it drives, replaced together.</summary>
    /// <remarks>
    /// Polly's breaker opens on a failure ratio. A run of <see cref="CircuitBreakerPolicy.ConsecutiveFailures"/>
    /// failures opens it at once through Polly's manual control (isolation) for the break duration; the release then
    /// closes it into Recovering, whose ramp probes the primary with a small share of traffic first.
    /// </remarks>
    private sealed class Breaker
    {
        private readonly TimeProvider _time;
        private readonly int _consecutiveToTrip;
        private readonly TimeSpan _breakDuration;
        private int _consecutive;
        private string? _runDestination;
        private int _runSpread;
        private Trip? _trip;

        public Breaker(ClusterResilience owner, CircuitBreakerPolicy policy)
        {
            var id = owner.ClusterId;
            var onTransition = owner._onTransition;
            _time = owner._time;
            _consecutiveToTrip = policy.ConsecutiveFailures;
            _breakDuration = policy.BreakDuration;
            Health = new HealthStateMachine(policy, owner._time, onTransition is null ? null : (from, to) => onTransition(id, from, to));
            var health = Health;
            StateProvider = new CircuitBreakerStateProvider();
            ManualControl = new CircuitBreakerManualControl();
            Pipeline = new ResiliencePipelineBuilder<BreakerOutcome> { TimeProvider = owner._time, Name = id }
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions<BreakerOutcome>
                {
                    FailureRatio = policy.FailureRatio,
                    MinimumThroughput = policy.MinimumThroughput,
                    SamplingDuration = policy.SamplingDuration,
                    BreakDuration = policy.BreakDuration,
                    StateProvider = StateProvider,
                    ManualControl = ManualControl,
                    ShouldHandle = static args => new ValueTask<bool>(
                        args.Outcome.Exception is { } ex ? ex is not OperationCanceledException : args.Outcome.Result.Result.IsFailure()),
                    OnOpened = _ =>
                    {
                        health.OnBreakerOpened();
                        return default;
                    },
                    OnClosed = _ =>
                    {
                        health.OnBreakerClosed();
                        return default;
                    },
                })
                .Build();
        }

        public ResiliencePipeline<BreakerOutcome> Pipeline { get; }

        public CircuitBreakerStateProvider StateProvider { get; }

        public CircuitBreakerManualControl ManualControl { get; }

        public HealthStateMachine Health { get; }

        public void OnSuccess()
        {
            if (Volatile.Read(ref _consecutive) != 0)
            {
                Volatile.Write(ref _consecutive, 0);
                Volatile.Write(ref _runDestination, null);
                Volatile.Write(ref _runSpread, 0);
            }
        }

        /// <summary>Counts a failed attempt towards the run that trips the breaker.</summary>
        /// <remarks>
        /// A run of failures that all hit one destination of several is that replica's failure, which outlier ejection
        /// answers; it trips the cluster only once the run reaches a second destination (or the destination is unknown,
        /// or there was only one to choose from). Without this, a burst that lands on a replica that just died (it refuses
        /// at once, so least-loaded balancing favours it) broke the whole cluster.
        /// </remarks>
        public async ValueTask OnFailureAsync((string? Destination, int Destinations) where)
        {
            // The probe after a trip is a run of one: if it fails, the breaker trips again at once.
            var probing = Health.IsProbing;
            if (_consecutiveToTrip == 0 && !probing)
            {
                return;
            }

            var consecutive = Interlocked.Increment(ref _consecutive);
            if (where.Destination is null || where.Destinations <= 1
                || (Interlocked.CompareExchange(ref _runDestination, where.Destination, null) is { } first && first != where.Destination))
            {
                Volatile.Write(ref _runSpread, 1);
            }

            // The run stays at or above the threshold until a success or the release; the trip below happens once.
            if (!(probing || (consecutive >= _consecutiveToTrip && Volatile.Read(ref _runSpread) == 1)) || StateProvider.CircuitState != CircuitState.Closed)
            {
                return;
            }

            var trip = new Trip();
            if (Interlocked.CompareExchange(ref _trip, trip, null) is not null)
            {
                return;
            }

            await ManualControl.IsolateAsync().ConfigureAwait(false);
            trip.Release = _time.CreateTimer(
                static s => _ = ((Tuple<Breaker, Trip>)s!).Item1.ReleaseAsync(((Tuple<Breaker, Trip>)s).Item2),
                Tuple.Create(this, trip),
                _breakDuration,
                Timeout.InfiniteTimeSpan);
        }

        private async Task ReleaseAsync(Trip trip)
        {
            // Forget this trip before closing: the moment the breaker closes, a new run of failures may trip it again.
            Volatile.Write(ref _consecutive, 0);
            Volatile.Write(ref _runDestination, null);
            Volatile.Write(ref _runSpread, 0);
            Interlocked.CompareExchange(ref _trip, null, trip);
            trip.Release?.Dispose();
            Health.ProbeOnNextClose();
            await ManualControl.CloseAsync().ConfigureAwait(false);
        }

        private sealed class Trip
        {
            public ITimer? Release { get; set; }
        }
    }

    private readonly record struct Adapted<TState>(
        Func<TState, ValueTask<AttemptResult>> Attempt, TState State, Func<TState, (string? Destination, int Destinations)>? DestinationOf);
}
