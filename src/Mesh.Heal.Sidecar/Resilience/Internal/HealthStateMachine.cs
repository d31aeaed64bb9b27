using Mesh.Heal.Health;
using Mesh.Heal.Policy;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>The Healthy → Degraded → Failed → Recovering → Healthy cycle of one cluster.</summary>
/// <remarks>
/// Failed and Recovering follow the breaker (opened; closed after a passing probe or the end of a run-of-failures trip); Degraded and Healthy follow the
/// failure ratio of primary attempts over the sampling window. While Recovering, <see cref="ShouldTryPrimary"/>
/// sends a share of traffic to the primary that grows linearly from <see cref="InitialRecoveryShare"/> to all of it
/// over <see cref="CircuitBreakerPolicy.RecoveryDuration"/>; the rest goes to the fallback. A relapse opens the
/// breaker again and so returns to Failed. One lock guards the state; the hot path reads a volatile field.
/// </remarks>
internal sealed class HealthStateMachine
{
    /// <summary>The share of traffic sent to the primary at the start of Recovering.</summary>
    public const double InitialRecoveryShare = 0.1;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly CircuitBreakerPolicy _policy;
    private readonly RollingWindow _window;
    private readonly Action<HealthState, HealthState>? _onTransition;
    private volatile HealthState _state = HealthState.Healthy;
    private long _recoveringSince;
    private long _rampCounter;
    private long _transitions;

    public HealthStateMachine(CircuitBreakerPolicy policy, TimeProvider time, Action<HealthState, HealthState>? onTransition = null)
    {
        _policy = policy;
        _time = time;
        _onTransition = onTransition;
        _window = new RollingWindow(policy.SamplingDuration, time.TimestampFrequency);
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

    /// <summary>The share of traffic the primary gets now: 1 except while Recovering.</summary>
    public double PrimaryShare => _state == HealthState.Recovering ? ShareAt(_time.GetTimestamp()) : 1;

    /// <summary>Whether this request should try the primary (true) or go to the fallback (false, only while Recovering).</summary>
    public bool ShouldTryPrimary()
    {
        if (_state != HealthState.Recovering)
        {
            return true;
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
            return;
        }

        HealthState from, to;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            _window.Record(now, result.IsFailure());
            from = _state;
            to = Evaluate_NeedsLock(now);
        }

        Notify(from, to);
    }

    /// <summary>The breaker opened (or was isolated): the fallback serves.</summary>
    public void OnBreakerOpened() => MoveTo(HealthState.Failed, startRamp: false);

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
                    return;
                }

                _recoveringSince = _time.GetTimestamp();
                _rampCounter = 0;
                _window.Clear();
            }

            SetState_NeedsLock(target);
        }

        Notify(from, target);
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
            case HealthState.Recovering when ShareAt(now) < 1:
                return state;
        }

        var counts = _window.Sum(now);
        var target = counts.Total >= _policy.MinimumThroughput && counts.FailureRatio >= _policy.DegradedRatio
            ? HealthState.Degraded
            : HealthState.Healthy;
        SetState_NeedsLock(target);
        return target;
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
