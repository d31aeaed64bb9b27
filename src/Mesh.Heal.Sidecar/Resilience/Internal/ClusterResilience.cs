using Mesh.Heal.Health;
using Mesh.Heal.Policy;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>Everything the sidecar enforces for one upstream cluster: breaker, health, retry budget, counters.</summary>
/// <remarks>
/// The breaker and the health cycle are one <see cref="BreakerController"/>. A policy change swaps the settings
/// atomically; the controller (breaker and health state) is rebuilt only when the <see cref="CircuitBreakerPolicy"/>
/// itself changed, and the retry budget only when its own settings did. An operator's <see cref="BreakerOverride"/> is
/// handed to the controller, which applies it on top of its state without changing it, so when it ends the breaker
/// carries on from the state it had.
/// </remarks>
internal sealed class ClusterResilience
{
    private readonly TimeProvider _time;
    private readonly Action<string, HealthState, HealthState>? _onTransition;
    private volatile ClusterPolicy _policy;
    private volatile BreakerController _breaker;
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
        _breaker = CreateBreaker(policy);
        _budget = new RetryBudget(policy.Retry.BudgetPercent, policy.CircuitBreaker.SamplingDuration, time);
    }

    public string ClusterId { get; }

    public ClusterPolicy Policy => _policy;

    public HealthState Health => _breaker.Health;

    /// <summary>The breaker and health state machine in force (replaced when the breaker settings change).</summary>
    public BreakerController Breaker => _breaker;

    public BreakerState BreakerState => _breaker.State;

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
            _breaker = CreateBreaker(policy);
        }
        else
        {
            _breaker.Override = policy.Override;
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
    public bool ShouldTryPrimary() => _breaker.ShouldTryPrimary();

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
    /// <remarks>
    /// The request path's entry. Not an async method: an attempt that completes at once goes through without a state
    /// machine (nor a box for one), and one that awaits costs a single frame, in <see cref="AwaitAttemptAsync"/>. On the
    /// success path with the breaker closed nothing is allocated and no lock is taken.
    /// </remarks>
    /// <param name="attempt">The attempt; an exception it throws is rethrown after the breaker counted it (a failure, or no verdict for a cancellation).</param>
    /// <param name="state">Its state.</param>
    /// <param name="destinationOf">Where the attempt went and how many destinations it had to choose from, read after it
    /// ran; without it, every failure counts towards the run that trips the breaker.</param>
    public ValueTask<AttemptResult> ExecuteAsync<TState>(
        Func<TState, ValueTask<AttemptResult>> attempt, TState state, Func<TState, (string? Destination, int Destinations)>? destinationOf = null)
    {
        var breaker = _breaker;
        if (!breaker.TryEnter())
        {
            Interlocked.Increment(ref _rejected);
            Count(AttemptResult.Rejected);
            return new ValueTask<AttemptResult>(AttemptResult.Rejected);
        }

        ValueTask<AttemptResult> pending;
        try
        {
            pending = attempt(state);
        }
        catch (Exception ex)
        {
            breaker.OnException(ex);
            throw;
        }

        return pending.IsCompletedSuccessfully
            ? new ValueTask<AttemptResult>(Complete(pending.Result, breaker, state, destinationOf))
            : AwaitAttemptAsync(pending, breaker, state, destinationOf);
    }

    private async ValueTask<AttemptResult> AwaitAttemptAsync<TState>(
        ValueTask<AttemptResult> pending, BreakerController breaker, TState state, Func<TState, (string? Destination, int Destinations)>? destinationOf)
    {
        AttemptResult result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            breaker.OnException(ex);
            throw;
        }

        return Complete(result, breaker, state, destinationOf);
    }

    private AttemptResult Complete<TState>(AttemptResult result, BreakerController breaker, TState state, Func<TState, (string? Destination, int Destinations)>? destinationOf)
    {
        if (result.IsFailure())
        {
            Interlocked.Increment(ref _attemptFailures);
            breaker.OnOutcome(result, destinationOf?.Invoke(state) ?? default);
        }
        else
        {
            breaker.OnOutcome(result);
        }

        Count(result);
        return result;
    }

    private BreakerController CreateBreaker(ClusterPolicy policy)
    {
        var id = ClusterId;
        var onTransition = _onTransition;
        return new BreakerController(policy.CircuitBreaker, _time, policy.Override, onTransition is null ? null : (from, to) => onTransition(id, from, to));
    }

    private void Count(AttemptResult result) => Interlocked.Increment(ref _attemptResults[(int)result]);
}
