using Mesh.Heal.Health;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>The Healthy → Degraded → Failed → Recovering → Healthy cycle of one cluster.</summary>
/// <remarks>
/// Failed and Recovering follow the breaker (opened; closed after a passing probe or the end of a run-of-failures trip); Degraded and Healthy follow the
/// failure ratio of primary attempts over the sampling window. While Recovering, <see cref="ShouldTryPrimary"/>
/// sends a share of traffic to the primary that grows linearly from <see cref="InitialRecoveryShare"/> to all of it
/// over <see cref="CircuitBreakerPolicy.RecoveryDuration"/>; the rest goes to the fallback. A relapse opens the
/// breaker again and so returns to Failed. After a run-of-failures trip no probe has passed yet, so the ramp waits for
/// one: a single request tries the primary while the rest go to the fallback, and only when it succeeds does the ramp
/// start (a failed probe trips the breaker again). One lock guards the state changes; the hot path reads a volatile field,
/// and a success that changes nothing (no probe awaited, no transition due) is counted in the lock-free window without the lock.
/// </remarks>
internal sealed class HealthStateMachine
{
    /// <summary>The share of traffic sent to the primary at the start of Recovering.</summary>
    public const double InitialRecoveryShare = 0.1;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly CircuitBreakerPolicy _policy;
    private readonly ConcurrentRollingWindow _window;
    private readonly Action<HealthState, HealthState>? _onTransition;
    private volatile HealthState _state = HealthState.Healthy;
    private long _recoveringSince;
    private long _rampCounter;
    private long _transitions;
    private bool _probeOnNextClose;

    // NoProbe, or a probe awaited / in flight since _probeStarted (while Recovering after a run-of-failures trip).
    private int _probe;
    private long _probeStarted;

    private const int NoProbe = 0;
    private const int ProbeAwaited = 1;
    private const int ProbeInFlight = 2;

    public HealthStateMachine(CircuitBreakerPolicy policy, TimeProvider time, Action<HealthState, HealthState>? onTransition = null)
    {
        _policy = policy;
        _time = time;
        _onTransition = onTransition;
        _window = new ConcurrentRollingWindow(policy.SamplingDuration, time.TimestampFrequency);
    }

    /// <summary>The current state, with time-driven transitions (end of the ramp, a quiet window) applied.</summary>
    public HealthState State
    {
        get
        {
            var state = _state;
            if (state is HealthState.Healthy or HealthState.Failed)
            {
                return state;
            }

            return Evaluate();
        }
    }

    /// <summary>How many transitions happened since this machine was created.</summary>
    public long Transitions => Interlocked.Read(ref _transitions);

    /// <summary>The share of traffic the primary gets now: 1 except while Recovering, 0 while a probe is awaited.</summary>
    public double PrimaryShare => _state != HealthState.Recovering ? 1 : Volatile.Read(ref _probe) != NoProbe ? 0 : ShareAt(_time.GetTimestamp());

    /// <summary>Whether the one probe after a run-of-failures trip is on its way to the primary.</summary>
    public bool IsProbing => Volatile.Read(ref _probe) == ProbeInFlight;

    /// <summary>Whether this request should try the primary (true) or go to the fallback (false, only while Recovering).</summary>
    public bool ShouldTryPrimary()
    {
        if (_state != HealthState.Recovering)
        {
            return true;
        }

        if (Volatile.Read(ref _probe) != NoProbe)
        {
            return TryTakeProbe();
        }

        var share = ShareAt(_time.GetTimestamp());
        if (share >= 1)
        {
            Evaluate();
            return true;
        }

        // Spread the primary's share evenly over requests instead of drawing at random: deterministic and smooth.
        var n = Interlocked.Increment(ref _rampCounter);
        return Math.Floor(n * share) != Math.Floor((n - 1) * share);
    }

    /// <summary>Records the outcome of one primary attempt.</summary>
    public void Record(AttemptResult result)
    {
        if (result is AttemptResult.Rejected or AttemptResult.ClientAborted)
        {
            // A probe that never reached a verdict: let the next request probe.
            Interlocked.CompareExchange(ref _probe, ProbeAwaited, ProbeInFlight);
            return;
        }

        var failure = result.IsFailure();
        if (!failure && Volatile.Read(ref _probe) == NoProbe)
        {
            // The success path of every request: counted without the lock, which is taken only when the success moves the state.
            var at = _time.GetTimestamp();
            _window.Record(at, failure: false);
            if (TransitionDue(at))
            {
                Evaluate();
            }

            return;
        }

        HealthState from, to;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (_probe != NoProbe && !failure)
            {
                // The probe (or any attempt) passed: the ramp starts now. A failed probe trips the breaker again, which ends Recovering.
                _probe = NoProbe;
                _recoveringSince = now;
                _rampCounter = 0;
            }

            _window.Record(now, failure);
            from = _state;
            to = Evaluate_NeedsLock(now);
        }

        Notify(from, to);
    }

    /// <summary>The breaker opened (or was isolated): the fallback serves.</summary>
    public void OnBreakerOpened() => MoveTo(HealthState.Failed, startRamp: false);

    /// <summary>The next close ends a run-of-failures trip, which no probe has passed: Recovering waits for one first.</summary>
    public void ProbeOnNextClose()
    {
        lock (_lock)
        {
            _probeOnNextClose = true;
        }
    }

    /// <summary>The breaker closed after a passing probe: ramp traffic back.</summary>
    public void OnBreakerClosed() => MoveTo(HealthState.Recovering, startRamp: true);

    private void MoveTo(HealthState target, bool startRamp)
    {
        HealthState from;
        lock (_lock)
        {
            from = _state;
            if (startRamp)
            {
                if (from != HealthState.Failed)
                {
                    _probeOnNextClose = false;
                    return;
                }

                _recoveringSince = _time.GetTimestamp();
                _rampCounter = 0;
                _window.Clear();
                _probe = _probeOnNextClose ? ProbeAwaited : NoProbe;
            }
            else
            {
                _probe = NoProbe;
            }

            _probeOnNextClose = false;

            SetState_NeedsLock(target);
        }

        Notify(from, target);
    }

    /// <summary>Gives the probe to exactly one request; a probe in flight longer than a break is taken as lost.</summary>
    private bool TryTakeProbe()
    {
        var now = _time.GetTimestamp();
        if (Interlocked.CompareExchange(ref _probe, ProbeInFlight, ProbeAwaited) == ProbeAwaited)
        {
            Interlocked.Exchange(ref _probeStarted, now);
            return true;
        }

        var started = Interlocked.Read(ref _probeStarted);
        if (Volatile.Read(ref _probe) == ProbeInFlight && _time.GetElapsedTime(started, now) > _policy.BreakDuration
            && Interlocked.CompareExchange(ref _probeStarted, now, started) == started)
        {
            return true;
        }

        return false;
    }

    private HealthState Evaluate()
    {
        HealthState from, to;
        lock (_lock)
        {
            from = _state;
            to = Evaluate_NeedsLock(_time.GetTimestamp());
        }

        Notify(from, to);
        return to;
    }

    private HealthState Evaluate_NeedsLock(long now)
    {
        var state = _state;
        switch (state)
        {
            case HealthState.Failed:
                return state;
            case HealthState.Recovering when _probe != NoProbe || ShareAt(now) < 1:
                return state;
        }

        var target = Target(now);
        SetState_NeedsLock(target);
        return target;
    }

    /// <summary>Whether <see cref="Evaluate_NeedsLock"/> would change the state now; read without the lock, so a hint only.</summary>
    private bool TransitionDue(long now) => _state switch
    {
        HealthState.Failed => false,
        HealthState.Recovering => Volatile.Read(ref _probe) == NoProbe && ShareAt(now) >= 1,
        var state => Target(now) != state,
    };

    private HealthState Target(long now)
    {
        var counts = _window.Sum(now);
        return counts.Total >= _policy.MinimumThroughput && counts.FailureRatio >= _policy.DegradedRatio
            ? HealthState.Degraded
            : HealthState.Healthy;
    }

    private void SetState_NeedsLock(HealthState target)
    {
        if (_state != target)
        {
            _state = target;
            _transitions++;
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

    private void Notify(HealthState from, HealthState to)
    {
        if (from != to)
        {
            _onTransition?.Invoke(from, to);
        }
    }
}
