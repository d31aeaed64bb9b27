using Mesh.Heal.Health;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Resilience;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.Sidecar.Tests.Resilience;

/// <summary>The breaker's states and the health cycle, driven by a fake clock: every transition asserted where it happens.</summary>
public class BreakerControllerTests
{
    private static readonly CircuitBreakerPolicy Policy = new()
    {
        FailureRatio = 0.5,
        MinimumThroughput = 10,
        ConsecutiveFailures = 0,
        SamplingDuration = TimeSpan.FromSeconds(10),
        BreakDuration = TimeSpan.FromSeconds(2),
        DegradedRatio = 0.1,
        RecoveryDuration = TimeSpan.FromSeconds(4),
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero));
    private readonly List<(HealthState From, HealthState To)> _transitions = [];

    private BreakerController Create(CircuitBreakerPolicy? policy = null, BreakerOverride breakerOverride = BreakerOverride.None) =>
        new(policy ?? Policy, _time, breakerOverride, (from, to) => _transitions.Add((from, to)));

    /// <summary>One attempt as the cluster runs it: entered (or rejected), then its outcome recorded.</summary>
    private static bool Attempt(BreakerController breaker, AttemptResult result)
    {
        if (!breaker.TryEnter())
        {
            return false;
        }

        breaker.OnOutcome(result);
        return true;
    }

    private static void Attempts(BreakerController breaker, AttemptResult result, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Attempt(breaker, result);
        }
    }

    private BreakerController Opened(CircuitBreakerPolicy? policy = null)
    {
        var breaker = Create(policy);
        Attempts(breaker, AttemptResult.ServerError, 10);
        Assert.Equal(BreakerState.Open, breaker.State);
        return breaker;
    }

    [Fact]
    public void Flow_Closed_Open_HalfOpen_Closed()
    {
        var breaker = Create();
        Attempts(breaker, AttemptResult.ServerError, 9);
        Assert.Equal(BreakerState.Closed, breaker.State);

        Assert.True(Attempt(breaker, AttemptResult.ServerError)); // the tenth: 10 of 10 failed
        Assert.Equal((BreakerState.Open, HealthState.Failed), (breaker.State, breaker.Health));
        Assert.False(breaker.TryEnter());

        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(breaker.TryEnter());
        Assert.Equal(BreakerState.Open, breaker.State);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(breaker.TryEnter()); // the probe
        Assert.Equal(BreakerState.HalfOpen, breaker.State);
        Assert.False(breaker.TryEnter()); // one probe per break

        breaker.OnOutcome(AttemptResult.Success);
        Assert.Equal((BreakerState.Closed, HealthState.Recovering), (breaker.State, breaker.Health));
        Assert.True(breaker.TryEnter());
        Assert.Equal([(HealthState.Healthy, HealthState.Failed), (HealthState.Failed, HealthState.Recovering)], _transitions);
    }

    [Fact]
    public void Flow_HalfOpen_ProbeFails_Open()
    {
        var breaker = Opened();
        _time.Advance(Policy.BreakDuration);
        Assert.True(breaker.TryEnter());

        breaker.OnOutcome(AttemptResult.Timeout);

        Assert.Equal((BreakerState.Open, HealthState.Failed), (breaker.State, breaker.Health));
        Assert.False(breaker.TryEnter()); // a whole new break
        _time.Advance(Policy.BreakDuration - TimeSpan.FromMilliseconds(1));
        Assert.False(breaker.TryEnter());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(breaker.TryEnter());
        Assert.Equal([(HealthState.Healthy, HealthState.Failed)], _transitions);
    }

    [Fact]
    public void Flow_HalfOpen_ProbeWithoutVerdict_NextRequestProbes()
    {
        var breaker = Opened();
        _time.Advance(Policy.BreakDuration);
        Assert.True(breaker.TryEnter());

        breaker.OnOutcome(AttemptResult.ClientAborted); // the caller left: says nothing about the upstream

        Assert.Equal(BreakerState.HalfOpen, breaker.State);
        Assert.True(breaker.TryEnter());
        Assert.False(breaker.TryEnter());
    }

    [Fact]
    public void Flow_HalfOpen_ProbeNeverReturns_AnotherAfterABreak()
    {
        var breaker = Opened();
        _time.Advance(Policy.BreakDuration);
        Assert.True(breaker.TryEnter()); // never completes

        _time.Advance(Policy.BreakDuration - TimeSpan.FromMilliseconds(1));
        Assert.False(breaker.TryEnter());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public void Flow_Run_Open_Released_ProbeAwaited_ProbePasses_Ramp_Healthy()
    {
        var breaker = Create(Policy with { ConsecutiveFailures = 3 });
        Attempts(breaker, AttemptResult.Success, 100);
        Attempts(breaker, AttemptResult.TransportError, 3);
        Assert.Equal((BreakerState.Open, HealthState.Failed), (breaker.State, breaker.Health));

        _time.Advance(Policy.BreakDuration); // no timer: the next look at the state ends the break
        Assert.Equal((BreakerState.Closed, HealthState.Recovering), (breaker.State, breaker.Health));
        Assert.Equal(0, breaker.PrimaryShare);
        Assert.True(breaker.ShouldTryPrimary());
        Assert.False(breaker.ShouldTryPrimary());

        Assert.True(Attempt(breaker, AttemptResult.Success)); // the probe passes: the ramp starts
        Assert.Equal(BreakerController.InitialRecoveryShare, breaker.PrimaryShare);
        _time.Advance(Policy.RecoveryDuration);
        Assert.Equal(HealthState.Healthy, breaker.Health);
        Assert.Equal(
            [(HealthState.Healthy, HealthState.Failed), (HealthState.Failed, HealthState.Recovering), (HealthState.Recovering, HealthState.Healthy)],
            _transitions);
    }

    [Fact]
    public void Flow_Run_ProbeFails_TripsAgainAtOnce()
    {
        var breaker = Create(Policy with { ConsecutiveFailures = 3 });
        Attempts(breaker, AttemptResult.TransportError, 3);
        _time.Advance(Policy.BreakDuration);
        Assert.True(breaker.ShouldTryPrimary());

        Assert.True(Attempt(breaker, AttemptResult.TransportError)); // a run of one

        Assert.Equal((BreakerState.Open, HealthState.Failed), (breaker.State, breaker.Health));
        Assert.False(breaker.TryEnter());
    }

    [Fact]
    public void Open_StaysOpen_WhileTheClockStandsStill()
    {
        var breaker = Create(Policy with { ConsecutiveFailures = 3 });
        Attempts(breaker, AttemptResult.TransportError, 3);

        for (var i = 0; i < 100; i++)
        {
            Assert.False(breaker.TryEnter());
        }

        Assert.Equal((BreakerState.Open, HealthState.Failed), (breaker.State, breaker.Health));
    }

    [Fact]
    public void Failure_ThatThrew_CountsAsFailure_ACancellationDoesNot()
    {
        var breaker = Create();
        for (var i = 0; i < 20; i++)
        {
            Assert.True(breaker.TryEnter());
            breaker.OnException(new OperationCanceledException());
        }

        Assert.Equal(BreakerState.Closed, breaker.State);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(breaker.TryEnter());
            breaker.OnException(new InvalidOperationException());
        }

        Assert.Equal(BreakerState.Open, breaker.State); // 20 failures of 40 with a verdict or without
    }

    [Fact]
    public void ForceOpen_Isolates_AndLeavesTheStateBelowItAlone()
    {
        var breaker = Create(breakerOverride: BreakerOverride.ForceOpen);

        Assert.Equal((BreakerState.Isolated, HealthState.Failed), (breaker.State, breaker.Health));
        Assert.False(breaker.TryEnter());
        Assert.False(breaker.ShouldTryPrimary());

        breaker.Override = BreakerOverride.None;
        Assert.Equal((BreakerState.Closed, HealthState.Healthy), (breaker.State, breaker.Health));
        Assert.Empty(_transitions);
    }

    [Fact]
    public void ForceFallback_SendsEverythingToTheFallback_WithoutTouchingTheBreaker()
    {
        var breaker = Create(breakerOverride: BreakerOverride.ForceFallback);

        Assert.False(breaker.ShouldTryPrimary());
        Assert.Equal((BreakerState.Closed, HealthState.Healthy), (breaker.State, breaker.Health));
    }

    [Fact]
    public void ForceClosed_FailuresFeedHealthOnly_ThenTheOpenBreakerCarriesOn()
    {
        var breaker = Opened();
        breaker.Override = BreakerOverride.ForceClosed;
        Assert.Equal(BreakerState.Closed, breaker.State);
        Assert.True(breaker.ShouldTryPrimary());

        Attempts(breaker, AttemptResult.ServerError, 20); // never trips, never closes: the breaker below is untouched
        _time.Advance(Policy.BreakDuration);
        Attempts(breaker, AttemptResult.Success, 5);

        breaker.Override = BreakerOverride.None;
        Assert.Equal((BreakerState.Open, HealthState.Failed), (breaker.State, breaker.Health));
    }

    [Fact]
    public void ForceClosed_Outcomes_MoveHealth()
    {
        var breaker = Create(breakerOverride: BreakerOverride.ForceClosed);
        Attempts(breaker, AttemptResult.Success, 16);
        Attempts(breaker, AttemptResult.ServerError, 4);

        Assert.Equal((BreakerState.Closed, HealthState.Degraded), (breaker.State, breaker.Health));
    }

    [Fact]
    public void NoRamp_ProbePasses_FailedToRecoveringToHealthy_BothReported()
    {
        var breaker = Opened(Policy with { RecoveryDuration = TimeSpan.Zero });
        _time.Advance(Policy.BreakDuration);

        Assert.True(Attempt(breaker, AttemptResult.Success));

        Assert.Equal(HealthState.Healthy, breaker.Health);
        Assert.Equal(
            [(HealthState.Healthy, HealthState.Failed), (HealthState.Failed, HealthState.Recovering), (HealthState.Recovering, HealthState.Healthy)],
            _transitions);
        Assert.Equal(3, breaker.Transitions);
    }

    [Fact]
    public async Task ConcurrentFailures_TripOnce()
    {
        var breaker = Create(Policy with { ConsecutiveFailures = 50, MinimumThroughput = 1_000_000 });
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                if (breaker.TryEnter())
                {
                    breaker.OnOutcome(AttemptResult.TransportError);
                }
            }
        }));

        await Task.WhenAll(workers);

        Assert.Equal((BreakerState.Open, HealthState.Failed), (breaker.State, breaker.Health));
        Assert.Equal([(HealthState.Healthy, HealthState.Failed)], _transitions);
    }
}
