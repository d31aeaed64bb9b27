using Mesh.Heal.Health;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>One cluster's circuit breaker and its Healthy → Degraded → Failed → Recovering → Healthy cycle: one state machine, one lock.</summary>
/// <remarks>
/// <para>
/// Breaker states, in the style of Polly's <c>CircuitStateController</c>: Closed lets every attempt through; a failure ratio
/// of at least <see cref="CircuitBreakerPolicy.FailureRatio"/> over <see cref="CircuitBreakerPolicy.SamplingDuration"/>
/// (once <see cref="CircuitBreakerPolicy.MinimumThroughput"/> attempts were seen) opens it; after
/// <see cref="CircuitBreakerPolicy.BreakDuration"/> the next attempt is the half-open probe (one per break), whose success
/// closes it and whose failure opens it again. A run of <see cref="CircuitBreakerPolicy.ConsecutiveFailures"/> failures
/// with no success between them opens it at once (reported Open); a run that hits only one destination of several is that
/// replica's failure, which outlier ejection answers, so it trips the cluster only once it reaches a second destination.
/// The end of such a break closes the breaker into Recovering with one probe awaited: a single request tries the primary,
/// the rest go to the fallback, and the ramp starts only when it passes (a failure while it is out trips again at once).
/// Slow calls (<see cref="CircuitBreakerPolicy.SlowCallDuration"/>) arrive here already classified as
/// <see cref="AttemptResult.Slow"/>, a failure. An operator's <see cref="BreakerOverride"/> is applied on top and never
/// changes the state below it: when it ends, the breaker carries on from the state it had; outcomes under
/// <see cref="BreakerOverride.ForceClosed"/> feed the health window only.
/// </para>
/// <para>
/// Health: Failed while the breaker is open or half-open, Recovering after it closed, Degraded or Healthy by the failure ratio
/// of the window against <see cref="CircuitBreakerPolicy.DegradedRatio"/>. While Recovering, <see cref="ShouldTryPrimary"/>
/// sends a share of traffic to the primary that grows linearly from <see cref="InitialRecoveryShare"/> to all of it over
/// <see cref="CircuitBreakerPolicy.RecoveryDuration"/>.
/// </para>
/// <para>
/// Nothing runs on a timer: a time-driven change (the end of a break, of the ramp, a quiet window) is made by the next call
/// that looks at the state, so the machine is deterministic under a fake clock. Every change is made under the one lock by a
/// method ending in <c>_NeedsLock</c>; transition callbacks run after it is released. The request path reads volatile
/// fields, and a success with the breaker closed, no probe awaited and no run of failures to end is counted in the
/// lock-free window without taking the lock.
/// </para>
/// </remarks>
internal sealed class BreakerController
{
    /// <summary>The share of traffic sent to the primary at the start of Recovering.</summary>
    public const double InitialRecoveryShare = 0.1;

    private const int NoProbe = 0;
    private const int ProbeAwaited = 1;
    private const int ProbeInFlight = 2;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly CircuitBreakerPolicy _policy;
    private readonly Action<HealthState, HealthState>? _onTransition;

    // Primary attempts: Total and Failures are the verdicts both the ratio and the health read; Extra counts attempts
    // without a verdict (the caller left), which the breaker's throughput includes, as Polly's did.
    private readonly ConcurrentRollingWindow _window;

    // Read without the lock, written under it.
    private volatile BreakerState _state = BreakerState.Closed;
    private volatile HealthState _health = HealthState.Healthy;
    private volatile BreakerOverride _override;
    private volatile int _probe;
    private volatile int _consecutive;
    private long _recoveringSince;
    private long _rampCounter;
    private long _transitions;

    // Under the lock only.
    private long _openedAt;
    private bool _openedByRun;
    private bool _halfOpenProbeOut;
    private string? _runDestination;
    private bool _runSpread;
    private long _probeStarted;

    public BreakerController(CircuitBreakerPolicy policy, TimeProvider time, BreakerOverride breakerOverride = BreakerOverride.None, Action<HealthState, HealthState>? onTransition = null)
    {
        _policy = policy;
        _time = time;
        _override = breakerOverride;
        _onTransition = onTransition;
        _window = new ConcurrentRollingWindow(policy.SamplingDuration, time.TimestampFrequency);
    }

    /// <summary>The operator's override, applied on top of the breaker's own state.</summary>
    public BreakerOverride Override
    {
        get => _override;
        set => _override = value;
    }

    /// <summary>The breaker's state as callers see it: Isolated under <see cref="BreakerOverride.ForceOpen"/>, Closed under <see cref="BreakerOverride.ForceClosed"/>.</summary>
    public BreakerState State => _override switch
    {
        BreakerOverride.ForceOpen => BreakerState.Isolated,
        BreakerOverride.ForceClosed => BreakerState.Closed,
        _ => _state == BreakerState.Closed ? BreakerState.Closed : Refresh().Breaker,
    };

    /// <summary>The health state, with time-driven transitions (end of a break or of the ramp, a quiet window) applied; Failed under <see cref="BreakerOverride.ForceOpen"/>.</summary>
    public HealthState Health => _override == BreakerOverride.ForceOpen ? HealthState.Failed : _health == HealthState.Healthy ? HealthState.Healthy : Refresh().Health;

    /// <summary>How many health transitions happened since this controller was created.</summary>
    public long Transitions => Interlocked.Read(ref _transitions);

    /// <summary>The share of traffic the primary gets now: 1 except while Recovering, 0 while a probe is awaited.</summary>
    public double PrimaryShare => _health != HealthState.Recovering ? 1 : _probe != NoProbe ? 0 : ShareAt(_time.GetTimestamp());

    /// <summary>Whether this request should try the primary (true) or go to the fallback (false: while Recovering, or under a forced fallback or a forced-open breaker).</summary>
    public bool ShouldTryPrimary()
    {
        switch (_override)
        {
            case BreakerOverride.ForceOpen or BreakerOverride.ForceFallback:
                return false;
            case BreakerOverride.ForceClosed:
                return true;
        }

        var health = _health;
        if (health == HealthState.Failed && _state == BreakerState.Open)
        {
            health = Refresh().Health;
        }

        if (health != HealthState.Recovering)
        {
            return true;
        }

        if (_probe != NoProbe)
        {
            return TryTakeProbe();
        }

        var share = ShareAt(_time.GetTimestamp());
        if (share >= 1)
        {
            Refresh();
            return true;
        }

        // Spread the primary's share evenly over requests instead of drawing at random: deterministic and smooth.
        var n = Interlocked.Increment(ref _rampCounter);
        return Math.Floor(n * share) != Math.Floor((n - 1) * share);
    }

    /// <summary>Whether an attempt may go to the primary now; false is a rejection (open, or half-open with its probe out).</summary>
    public bool TryEnter()
    {
        switch (_override)
        {
            case BreakerOverride.ForceOpen:
                return false;
            case BreakerOverride.ForceClosed:
                return true;
        }

        if (_state == BreakerState.Closed)
        {
            return true;
        }

        var changes = default(Changes);
        bool permitted;
        lock (_lock)
        {
            permitted = OnEnter_NeedsLock(_time.GetTimestamp(), ref changes);
        }

        Notify(changes);
        return permitted;
    }

    /// <summary>Records how one primary attempt that <see cref="TryEnter"/> let through ended.</summary>
    /// <param name="result">How it ended; <see cref="AttemptResult.ClientAborted"/> and <see cref="AttemptResult.Rejected"/> are no verdict.</param>
    /// <param name="where">Where it went and how many destinations it had to choose from; without it, every failure counts towards the run that trips the breaker.</param>
    public void OnOutcome(AttemptResult result, (string? Destination, int Destinations) where = default)
    {
        if (result == AttemptResult.Success && _state == BreakerState.Closed && _probe == NoProbe && _consecutive == 0)
        {
            // The success path of every request: counted without the lock, which is taken only when the success moves the state.
            var at = _time.GetTimestamp();
            _window.Record(at, failure: false);
            if (TransitionDue(at))
            {
                Refresh();
            }

            return;
        }

        var changes = default(Changes);
        lock (_lock)
        {
            OnOutcome_NeedsLock(result, where, _time.GetTimestamp(), ref changes);
        }

        Notify(changes);
    }

    /// <summary>Records an attempt that threw: a cancellation is no verdict, anything else a failure.</summary>
    public void OnException(Exception exception) =>
        OnOutcome(exception is OperationCanceledException ? AttemptResult.ClientAborted : AttemptResult.TransportError);

    private (BreakerState Breaker, HealthState Health) Refresh()
    {
        var changes = default(Changes);
        (BreakerState, HealthState) state;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            ReleaseIfDue_NeedsLock(now, ref changes);
            Evaluate_NeedsLock(now, ref changes);
            state = (_state, _health);
        }

        Notify(changes);
        return state;
    }

    private bool OnEnter_NeedsLock(long now, ref Changes changes)
    {
        ReleaseIfDue_NeedsLock(now, ref changes);
        switch (_state)
        {
            case BreakerState.Closed:
                return true;
            case BreakerState.Open when !_openedByRun && BreakOver_NeedsLock(now):
                _state = BreakerState.HalfOpen;
                return PermitProbe_NeedsLock(now);
            case BreakerState.HalfOpen when !_halfOpenProbeOut || BreakOver_NeedsLock(now):
                // The first probe, or another after one that never came back within a break.
                return PermitProbe_NeedsLock(now);
            default:
                return false;
        }
    }

    private bool PermitProbe_NeedsLock(long now)
    {
        _openedAt = now;
        _halfOpenProbeOut = true;
        return true;
    }

    private void OnOutcome_NeedsLock(AttemptResult result, (string? Destination, int Destinations) where, long now, ref Changes changes)
    {
        var forced = _override == BreakerOverride.ForceClosed;
        if (result is AttemptResult.Rejected or AttemptResult.ClientAborted)
        {
            // No verdict: the next request may probe, in either kind of probe.
            if (_probe == ProbeInFlight)
            {
                _probe = ProbeAwaited;
            }

            if (result == AttemptResult.ClientAborted && !forced)
            {
                _halfOpenProbeOut = false;
                _window.RecordExtra(now);
            }

            return;
        }

        if (!result.IsFailure())
        {
            if (!forced)
            {
                ResetRun_NeedsLock();
                if (_state == BreakerState.HalfOpen)
                {
                    Close_NeedsLock(now, awaitProbe: false, ref changes);
                }
            }

            if (_probe != NoProbe)
            {
                // The probe (or any attempt) passed: the ramp starts now.
                _probe = NoProbe;
                StartRamp_NeedsLock(now);
            }

            _window.Record(now, failure: false);
        }
        else
        {
            _window.Record(now, failure: true);
            if (!forced)
            {
                OnFailure_NeedsLock(where, now, ref changes);
            }
        }

        Evaluate_NeedsLock(now, ref changes);
    }

    private void OnFailure_NeedsLock((string? Destination, int Destinations) where, long now, ref Changes changes)
    {
        // The probe after a run-of-failures trip is a run of one: if it fails, the breaker trips again at once.
        var probing = _probe == ProbeInFlight;
        if (_policy.ConsecutiveFailures > 0 || probing)
        {
            _consecutive++;
            if (where.Destination is null || where.Destinations <= 1 || (_runDestination ??= where.Destination) != where.Destination)
            {
                _runSpread = true;
            }
        }

        switch (_state)
        {
            case BreakerState.HalfOpen:
                Open_NeedsLock(now, byRun: false, ref changes);
                break;
            case BreakerState.Closed when RatioTripped_NeedsLock(now):
                Open_NeedsLock(now, byRun: false, ref changes);
                break;
            case BreakerState.Closed when probing || (_policy.ConsecutiveFailures > 0 && _consecutive >= _policy.ConsecutiveFailures && _runSpread):
                // The run stays at or above the threshold until a success or the end of the break: this trips once.
                Open_NeedsLock(now, byRun: true, ref changes);
                break;
        }
    }

    private bool RatioTripped_NeedsLock(long now)
    {
        var counts = _window.Sum(now);
        var throughput = counts.Total + counts.Extra;
        return throughput >= _policy.MinimumThroughput && (double)counts.Failures / throughput >= _policy.FailureRatio;
    }

    private void Open_NeedsLock(long now, bool byRun, ref Changes changes)
    {
        _state = BreakerState.Open;
        _openedAt = now;
        _openedByRun = byRun;
        _halfOpenProbeOut = false;
        _probe = NoProbe;
        SetHealth_NeedsLock(HealthState.Failed, ref changes);
    }

    /// <summary>Ends a run-of-failures break once it has lasted <see cref="CircuitBreakerPolicy.BreakDuration"/>: closed, Recovering, one probe awaited.</summary>
    private void ReleaseIfDue_NeedsLock(long now, ref Changes changes)
    {
        if (_state == BreakerState.Open && _openedByRun && BreakOver_NeedsLock(now))
        {
            // Forget the run before closing: from now on a new run of failures may trip the breaker again.
            ResetRun_NeedsLock();
            Close_NeedsLock(now, awaitProbe: true, ref changes);
        }
    }

    private void Close_NeedsLock(long now, bool awaitProbe, ref Changes changes)
    {
        _state = BreakerState.Closed;
        _openedByRun = false;
        _halfOpenProbeOut = false;
        if (_health != HealthState.Failed)
        {
            return;
        }

        _window.Clear();
        _probe = awaitProbe ? ProbeAwaited : NoProbe;
        StartRamp_NeedsLock(now);
        SetHealth_NeedsLock(HealthState.Recovering, ref changes);
    }

    private void StartRamp_NeedsLock(long now)
    {
        Interlocked.Exchange(ref _recoveringSince, now);
        Interlocked.Exchange(ref _rampCounter, 0);
    }

    private void ResetRun_NeedsLock()
    {
        _consecutive = 0;
        _runDestination = null;
        _runSpread = false;
    }

    private bool BreakOver_NeedsLock(long now) => _time.GetElapsedTime(_openedAt, now) >= _policy.BreakDuration;

    /// <summary>Gives the probe to exactly one request; a probe in flight longer than a break is taken as lost.</summary>
    private bool TryTakeProbe()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (_probe == ProbeAwaited || (_probe == ProbeInFlight && _time.GetElapsedTime(_probeStarted, now) > _policy.BreakDuration))
            {
                _probe = ProbeInFlight;
                _probeStarted = now;
                return true;
            }

            return false;
        }
    }

    private void Evaluate_NeedsLock(long now, ref Changes changes)
    {
        switch (_health)
        {
            case HealthState.Failed:
                return;
            case HealthState.Recovering when _probe != NoProbe || ShareAt(now) < 1:
                return;
        }

        SetHealth_NeedsLock(Target(now), ref changes);
    }

    /// <summary>Whether <see cref="Evaluate_NeedsLock"/> would change the state now; read without the lock, so a hint only.</summary>
    private bool TransitionDue(long now) => _health switch
    {
        HealthState.Failed => false,
        HealthState.Recovering => _probe == NoProbe && ShareAt(now) >= 1,
        var health => Target(now) != health,
    };

    private HealthState Target(long now)
    {
        var counts = _window.Sum(now);
        return counts.Total >= _policy.MinimumThroughput && counts.FailureRatio >= _policy.DegradedRatio
            ? HealthState.Degraded
            : HealthState.Healthy;
    }

    private void SetHealth_NeedsLock(HealthState target, ref Changes changes)
    {
        var from = _health;
        if (from != target)
        {
            _health = target;
            Interlocked.Increment(ref _transitions);
            changes.Add(from, target);
        }
    }

    private double ShareAt(long now)
    {
        if (_policy.RecoveryDuration <= TimeSpan.Zero)
        {
            return 1;
        }

        var elapsed = _time.GetElapsedTime(Interlocked.Read(ref _recoveringSince), now);
        var progress = elapsed / _policy.RecoveryDuration;
        return progress >= 1 ? 1 : InitialRecoveryShare + ((1 - InitialRecoveryShare) * progress);
    }

    private void Notify(in Changes changes)
    {
        if (_onTransition is null || changes.Count == 0)
        {
            return;
        }

        _onTransition(changes.From1, changes.To1);
        if (changes.Count > 1)
        {
            _onTransition(changes.From2, changes.To2);
        }
    }

    /// <summary>The health transitions one locked step made (at most two: Failed → Recovering → Healthy without a ramp), reported after the lock is released.</summary>
    private struct Changes
    {
        public int Count;
        public HealthState From1;
        public HealthState To1;
        public HealthState From2;
        public HealthState To2;

        public void Add(HealthState from, HealthState to)
        {
            if (Count == 0)
            {
                (From1, To1) = (from, to);
            }
            else
            {
                (From2, To2) = (from, to);
            }

            Count++;
        }
    }
}
