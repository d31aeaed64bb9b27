using Mesh.Heal.Health;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Resilience;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.Sidecar.Tests.Resilience;

public class ClusterResilienceTests
{
    private static readonly CircuitBreakerPolicy Breaker = new()
    {
        FailureRatio = 0.5,
        MinimumThroughput = 10,
        ConsecutiveFailures = 0, // the ratio alone; the run-of-failures trip has its own tests

        SamplingDuration = TimeSpan.FromSeconds(10),
        BreakDuration = TimeSpan.FromSeconds(2),
        DegradedRatio = 0.1,
        RecoveryDuration = TimeSpan.FromSeconds(4),
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero));
    private readonly List<(HealthState From, HealthState To)> _transitions = [];

    private ClusterResilience Create(ClusterPolicy? policy = null) =>
        new("backend", policy ?? new ClusterPolicy { CircuitBreaker = Breaker }, _time, (_, from, to) => _transitions.Add((from, to)));

    private static ValueTask<AttemptResult> Run(ClusterResilience cluster, AttemptResult result) =>
        cluster.ExecuteAsync(static r => new ValueTask<AttemptResult>(r), result);

    private static async Task RunMany(ClusterResilience cluster, AttemptResult result, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Run(cluster, result);
        }
    }

    private static ValueTask<AttemptResult> RunAt(ClusterResilience cluster, AttemptResult result, string destination, int destinations) =>
        cluster.ExecuteAsync(static s => new ValueTask<AttemptResult>(s.Result), (Result: result, Destination: destination, Destinations: destinations),
            static s => (s.Destination, s.Destinations));

    [Fact]
    public async Task RunOfFailures_AllOnOneReplicaOfThree_DoesNotTripTheCluster_UntilItReachesASecond()
    {
        var cluster = Create(new ClusterPolicy { CircuitBreaker = Breaker with { ConsecutiveFailures = 5, MinimumThroughput = 1000 } });
        await RunMany(cluster, AttemptResult.Success, 50);

        for (var i = 0; i < 12; i++)
        {
            await RunAt(cluster, AttemptResult.TransportError, "d2", 3);
        }

        var afterOneReplica = cluster.BreakerState;
        await RunAt(cluster, AttemptResult.TransportError, "d1", 3);

        Assert.Equal(BreakerState.Closed, afterOneReplica);
        Assert.Equal(BreakerState.Open, cluster.BreakerState);
    }

    [Fact]
    public async Task RunOfFailures_TheOnlyDestination_TripsAtTheThreshold()
    {
        var cluster = Create(new ClusterPolicy { CircuitBreaker = Breaker with { ConsecutiveFailures = 5, MinimumThroughput = 1000 } });
        await RunMany(cluster, AttemptResult.Success, 50);

        for (var i = 0; i < 4; i++)
        {
            await RunAt(cluster, AttemptResult.TransportError, "d1", 1);
        }

        var beforeThreshold = cluster.BreakerState;
        await RunAt(cluster, AttemptResult.TransportError, "d1", 1);

        Assert.Equal(BreakerState.Closed, beforeThreshold);
        Assert.Equal(BreakerState.Open, cluster.BreakerState);
    }

    /// <summary>A window of successes, a run of timeouts that trips the breaker, and the break waited out: Recovering, awaiting its probe.</summary>
    private async Task<ClusterResilience> TripByRunThenReleaseAsync()
    {
        var cluster = Create(new ClusterPolicy { CircuitBreaker = Breaker with { ConsecutiveFailures = 5 } });
        await RunMany(cluster, AttemptResult.Success, 50);
        await RunMany(cluster, AttemptResult.Timeout, 5);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HealthState.Recovering, cluster.Health);
        return cluster;
    }

    /// <summary>Opens the breaker on the ratio, waits out the break and lets a probe pass: the cluster is Recovering.</summary>
    private async Task OpenThenProbeIntoRecoveringAsync(ClusterResilience cluster)
    {
        await RunMany(cluster, AttemptResult.ServerError, 10);
        _time.Advance(Breaker.BreakDuration);
        await Run(cluster, AttemptResult.Success);
    }

    private static void Requests(ClusterResilience cluster, int count)
    {
        for (var i = 0; i < count; i++)
        {
            cluster.OnRequest();
        }
    }

    [Fact]
    public async Task Flow_Healthy_Degraded_Failed_Recovering_Healthy()
    {
        var cluster = Create();
        await RunMany(cluster, AttemptResult.Success, 18);
        Assert.Equal(HealthState.Healthy, cluster.Health);

        await RunMany(cluster, AttemptResult.ServerError, 3); // 3 of 21: above DegradedRatio, far below FailureRatio
        Assert.Equal(HealthState.Degraded, cluster.Health);
        Assert.Equal(BreakerState.Closed, cluster.BreakerState);

        await RunMany(cluster, AttemptResult.TransportError, 20); // 23 of 41 failed: the breaker opens
        Assert.Equal(HealthState.Failed, cluster.Health);
        Assert.Equal(BreakerState.Open, cluster.BreakerState);
        Assert.Equal(AttemptResult.Rejected, await Run(cluster, AttemptResult.Success));

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(AttemptResult.Success, await Run(cluster, AttemptResult.Success)); // the probe
        Assert.Equal(HealthState.Recovering, cluster.Health);
        Assert.Equal(BreakerState.Closed, cluster.BreakerState);

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(HealthState.Healthy, cluster.Health);
        Assert.Equal(
            [(HealthState.Healthy, HealthState.Degraded), (HealthState.Degraded, HealthState.Failed),
             (HealthState.Failed, HealthState.Recovering), (HealthState.Recovering, HealthState.Healthy)],
            _transitions);
    }

    [Fact]
    public async Task Flow_Failed_ProbeFails_StaysFailed()
    {
        var cluster = Create();
        await RunMany(cluster, AttemptResult.ServerError, 10);
        Assert.Equal(HealthState.Failed, cluster.Health);

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(AttemptResult.Timeout, await Run(cluster, AttemptResult.Timeout)); // the probe fails
        Assert.Equal(HealthState.Failed, cluster.Health);
        Assert.Equal(BreakerState.Open, cluster.BreakerState);
        Assert.Equal(AttemptResult.Rejected, await Run(cluster, AttemptResult.Success));
    }

    [Fact]
    public async Task Flow_Recovering_Relapse_ReturnsToFailed()
    {
        var cluster = Create();
        await OpenThenProbeIntoRecoveringAsync(cluster);
        Assert.Equal(HealthState.Recovering, cluster.Health);

        _time.Advance(TimeSpan.FromSeconds(1));
        await RunMany(cluster, AttemptResult.ServerError, 10);
        Assert.Equal(HealthState.Failed, cluster.Health);
        Assert.Equal(BreakerState.Open, cluster.BreakerState);
        Assert.Contains((HealthState.Recovering, HealthState.Failed), _transitions);
    }

    [Fact]
    public async Task Recovering_RampsPrimaryShareFromTenPercentToAll()
    {
        var cluster = Create();
        await OpenThenProbeIntoRecoveringAsync(cluster);

        Assert.Equal(10, CountPrimary(cluster, 100));
        _time.Advance(TimeSpan.FromSeconds(2)); // half way: 10% + 90% * 0.5
        Assert.InRange(CountPrimary(cluster, 100), 54, 56);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(100, CountPrimary(cluster, 100));
        Assert.Equal(HealthState.Healthy, cluster.Health);

        static int CountPrimary(ClusterResilience cluster, int requests)
        {
            var primary = 0;
            for (var i = 0; i < requests; i++)
            {
                primary += cluster.ShouldTryPrimary() ? 1 : 0;
            }

            return primary;
        }
    }

    [Fact]
    public async Task Flow_RunOfFailures_OpensBeforeTheRatio_ThenRecoveringRampsBack()
    {
        var cluster = Create(new ClusterPolicy { CircuitBreaker = Breaker with { ConsecutiveFailures = 5 } });
        await RunMany(cluster, AttemptResult.Success, 100); // a full window of successes: the ratio needs ~100 failures
        await RunMany(cluster, AttemptResult.TransportError, 4);
        Assert.Equal(BreakerState.Closed, cluster.BreakerState);

        await Run(cluster, AttemptResult.TransportError);

        Assert.Equal(BreakerState.Open, cluster.BreakerState);
        Assert.Equal(HealthState.Failed, cluster.Health);
        Assert.Equal(AttemptResult.Rejected, await Run(cluster, AttemptResult.Success));

        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(HealthState.Failed, cluster.Health);
        _time.Advance(TimeSpan.FromMilliseconds(1)); // the break ends: Recovering, waiting for one probe before the ramp
        Assert.Equal(HealthState.Recovering, cluster.Health);
        Assert.Equal(BreakerState.Closed, cluster.BreakerState);
        Assert.Equal(0, cluster.Breaker.PrimaryShare);
        Assert.Equal([true, false, false], new[] { cluster.ShouldTryPrimary(), cluster.ShouldTryPrimary(), cluster.ShouldTryPrimary() });

        Assert.Equal(AttemptResult.Success, await Run(cluster, AttemptResult.Success)); // the probe passes: the ramp starts
        Assert.InRange(cluster.Breaker.PrimaryShare, 0.09, 0.11);

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(HealthState.Healthy, cluster.Health);
    }

    [Fact]
    public async Task Flow_RunOfFailures_FailedProbe_TripsAgainAtOnce_WithNoOtherRequestOnThePrimary()
    {
        var cluster = await TripByRunThenReleaseAsync();

        Assert.True(cluster.ShouldTryPrimary());
        Assert.False(cluster.ShouldTryPrimary());
        await Run(cluster, AttemptResult.Timeout); // the probe fails: one failure is enough

        Assert.Equal(HealthState.Failed, cluster.Health);
        Assert.Equal(BreakerState.Open, cluster.BreakerState);

        _time.Advance(TimeSpan.FromSeconds(2)); // the next break ends: another single probe
        Assert.Equal(HealthState.Recovering, cluster.Health);
        Assert.Equal([true, false], new[] { cluster.ShouldTryPrimary(), cluster.ShouldTryPrimary() });
    }

    [Fact]
    public async Task Probe_WithoutAVerdict_IsGivenToAnotherRequest()
    {
        var cluster = await TripByRunThenReleaseAsync();

        Assert.True(cluster.ShouldTryPrimary());
        cluster.Breaker.OnOutcome(AttemptResult.ClientAborted); // the caller left: no verdict
        Assert.True(cluster.ShouldTryPrimary());
        Assert.False(cluster.ShouldTryPrimary());

        _time.Advance(Breaker.BreakDuration + TimeSpan.FromMilliseconds(1)); // a probe that never came back
        Assert.True(cluster.ShouldTryPrimary());
        Assert.Equal(HealthState.Recovering, cluster.Health);
    }

    [Theory]
    [InlineData(0, 5000)] // the ratio alone: failures must outweigh the 10 s window's successes
    [InlineData(10, 100)] // the default run-of-failures trip
    public async Task SuddenDeath_AtHundredRequestsPerSecond_DefaultWindow_TimeToOpen(int consecutiveFailures, int expectedMilliseconds)
    {
        var cluster = Create(new ClusterPolicy { CircuitBreaker = new CircuitBreakerPolicy { ConsecutiveFailures = consecutiveFailures } });
        for (var i = 0; i < 2000; i++)
        {
            await Run(cluster, AttemptResult.Success);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        var elapsed = 0;
        while (cluster.BreakerState == BreakerState.Closed)
        {
            await Run(cluster, AttemptResult.TransportError);
            _time.Advance(TimeSpan.FromMilliseconds(10));
            elapsed += 10;
        }

        Assert.Equal(expectedMilliseconds, elapsed);
    }

    [Fact]
    public async Task RunOfFailures_BrokenBySuccess_DoesNotOpen()
    {
        var cluster = Create(new ClusterPolicy { CircuitBreaker = Breaker with { ConsecutiveFailures = 5, MinimumThroughput = 1000 } });
        for (var i = 0; i < 10; i++)
        {
            await RunMany(cluster, AttemptResult.ServerError, 4);
            await Run(cluster, AttemptResult.Success);
        }

        Assert.Equal(BreakerState.Closed, cluster.BreakerState);
    }

    [Fact]
    public async Task RunOfFailures_WhileRecovering_OpensAgain()
    {
        var cluster = await TripByRunThenReleaseAsync();

        await RunMany(cluster, AttemptResult.Timeout, 5);

        Assert.Equal(HealthState.Failed, cluster.Health);
        Assert.Equal(BreakerState.Open, cluster.BreakerState);
        Assert.Contains((HealthState.Recovering, HealthState.Failed), _transitions);
    }

    [Fact]
    public async Task Breaker_BelowMinimumThroughput_StaysClosed()
    {
        var cluster = Create();
        await RunMany(cluster, AttemptResult.ServerError, 9);
        Assert.Equal(BreakerState.Closed, cluster.BreakerState);
        Assert.NotEqual(HealthState.Failed, cluster.Health);

        await Run(cluster, AttemptResult.ServerError);
        Assert.Equal(BreakerState.Open, cluster.BreakerState);
    }

    [Fact]
    public async Task Breaker_FailuresOutsideSamplingWindow_AreForgotten()
    {
        var cluster = Create();
        await RunMany(cluster, AttemptResult.ServerError, 9);
        _time.Advance(TimeSpan.FromSeconds(11));
        await RunMany(cluster, AttemptResult.ServerError, 4);
        Assert.Equal(BreakerState.Closed, cluster.BreakerState);
    }

    [Fact]
    public async Task SlowCalls_CountAsFailures_AndOpenTheBreaker()
    {
        var cluster = Create();
        await RunMany(cluster, AttemptResult.Slow, 10);
        Assert.Equal(BreakerState.Open, cluster.BreakerState);
        Assert.Equal(HealthState.Failed, cluster.Health);
        Assert.Equal(10, cluster.AttemptFailures);
    }

    [Fact]
    public async Task ClientAborts_AreNotFailures()
    {
        var cluster = Create();
        await RunMany(cluster, AttemptResult.ClientAborted, 20);
        Assert.Equal(BreakerState.Closed, cluster.BreakerState);
        Assert.Equal(HealthState.Healthy, cluster.Health);
        Assert.Equal(0, cluster.AttemptFailures);
    }

    [Fact]
    public void RetryBudget_Exhausted_RefusesRetries()
    {
        var cluster = Create(new ClusterPolicy { CircuitBreaker = Breaker, Retry = new RetryPolicy { MaxAttempts = 3, BudgetPercent = 20 } });
        Requests(cluster, 10);

        Assert.True(cluster.TryAcquireRetry());
        Assert.True(cluster.TryAcquireRetry());
        Assert.False(cluster.TryAcquireRetry()); // 3 retries for 10 requests would be 30%

        Requests(cluster, 5);

        Assert.True(cluster.TryAcquireRetry()); // 3 of 15 = 20%
        Assert.False(cluster.TryAcquireRetry());

        _time.Advance(TimeSpan.FromSeconds(11)); // the window slides past all of it
        Assert.False(cluster.TryAcquireRetry()); // no requests in the window, no budget
        Requests(cluster, 5);

        Assert.True(cluster.TryAcquireRetry());
        Assert.Equal(4, cluster.Retries);
    }

    [Fact]
    public async Task RetryBudget_BreakerOpen_RefusesRetries()
    {
        var cluster = Create(new ClusterPolicy { CircuitBreaker = Breaker, Retry = new RetryPolicy { MaxAttempts = 3, BudgetPercent = 100 } });
        Requests(cluster, 10);

        await RunMany(cluster, AttemptResult.ServerError, 10);
        Assert.Equal(BreakerState.Open, cluster.BreakerState);
        Assert.False(cluster.TryAcquireRetry());
    }

    [Fact]
    public async Task PolicySwap_UnrelatedChange_KeepsBreakerAndHealthState()
    {
        var cluster = Create();
        await RunMany(cluster, AttemptResult.ServerError, 10);
        Assert.Equal(BreakerState.Open, cluster.BreakerState);

        var rebuilt = cluster.Update(cluster.Policy with { Timeout = TimeSpan.FromSeconds(1), Retry = new RetryPolicy { MaxAttempts = 1 } });

        Assert.False(rebuilt);
        Assert.Equal(TimeSpan.FromSeconds(1), cluster.Policy.Timeout);
        Assert.Equal(BreakerState.Open, cluster.BreakerState);
        Assert.Equal(HealthState.Failed, cluster.Health);
        Assert.Equal(AttemptResult.Rejected, await Run(cluster, AttemptResult.Success));
    }

    [Fact]
    public async Task PolicySwap_BreakerChange_StartsAfresh()
    {
        var cluster = Create();
        await RunMany(cluster, AttemptResult.ServerError, 10);

        var rebuilt = cluster.Update(cluster.Policy with { CircuitBreaker = Breaker with { FailureRatio = 0.9 } });

        Assert.True(rebuilt);
        Assert.Equal(BreakerState.Closed, cluster.BreakerState);
        Assert.Equal(HealthState.Healthy, cluster.Health);
        Assert.Equal(AttemptResult.Success, await Run(cluster, AttemptResult.Success));
    }

    [Fact]
    public async Task Degraded_QuietWindow_ReturnsToHealthy()
    {
        var cluster = Create();
        await RunMany(cluster, AttemptResult.Success, 16);
        await RunMany(cluster, AttemptResult.ServerError, 4);
        Assert.Equal(HealthState.Degraded, cluster.Health);

        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(HealthState.Healthy, cluster.Health);
    }
}
