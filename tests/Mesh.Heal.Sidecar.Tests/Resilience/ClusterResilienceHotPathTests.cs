using Mesh.Heal.Health;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Resilience;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.Extensions.Time.Testing;
using Polly;

namespace Mesh.Heal.Sidecar.Tests.Resilience;

/// <summary>The resilience step on every request's success path: what it allocates, and the transitions the lock-free path must still make.</summary>
public class ClusterResilienceHotPathTests
{
    private static readonly Func<int, ValueTask<Outcome<BreakerOutcome>>> Succeed =
        static _ => new ValueTask<Outcome<BreakerOutcome>>(Outcome.FromResult(new BreakerOutcome(AttemptResult.Success)));

    private static readonly Func<int, ValueTask<Outcome<BreakerOutcome>>> Fail =
        static _ => new ValueTask<Outcome<BreakerOutcome>>(Outcome.FromResult(new BreakerOutcome(AttemptResult.ServerError)));

    // The clock stands still, so that no window (ours or Polly's) rolls over during the measured calls: Polly allocates a
    // bucket object when its sampling window moves on, once per SamplingDuration / 10 whatever the traffic, not per request.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero));

    private static void Run(ClusterResilience cluster, Func<int, ValueTask<Outcome<BreakerOutcome>>> attempt)
    {
        cluster.OnRequest();
        var pending = cluster.ExecuteOutcomeAsync(attempt, 0, CancellationToken.None);
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("the step did not complete synchronously");
        }

        cluster.OnCompleted(RequestOutcome.Success, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public void SuccessPath_BreakerClosed_AllocatesNothing()
    {
        var cluster = new ClusterResilience("backend", new ClusterPolicy(), _time);
        for (var i = 0; i < 2_000; i++)
        {
            Run(cluster, Succeed); // the pooled Polly context, tiered JIT
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            Run(cluster, Succeed);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(HealthState.Healthy, cluster.Health);
    }

    [Fact]
    public void SuccessPath_Degraded_AllocatesNothingOnceHealthyAgain()
    {
        var cluster = new ClusterResilience("backend", new ClusterPolicy { CircuitBreaker = new CircuitBreakerPolicy { MinimumThroughput = 10, ConsecutiveFailures = 0 } }, _time);
        for (var i = 0; i < 5; i++)
        {
            Run(cluster, Fail);
        }

        for (var i = 0; i < 2_000; i++)
        {
            Run(cluster, Succeed);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            Run(cluster, Succeed);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Success_ThatCompletesTheMinimumThroughput_MovesHealthyToDegraded()
    {
        // Failures below the minimum throughput leave the cluster Healthy; the success that brings the window up to it
        // makes the ratio count, so that success (on the lock-free path) must still make the transition.
        var policy = new CircuitBreakerPolicy { MinimumThroughput = 10, FailureRatio = 0.9, DegradedRatio = 0.1, ConsecutiveFailures = 0 };
        var cluster = new ClusterResilience("backend", new ClusterPolicy { CircuitBreaker = policy }, _time);
        for (var i = 0; i < 3; i++)
        {
            Run(cluster, Fail);
        }

        for (var i = 0; i < 6; i++)
        {
            Run(cluster, Succeed);
        }

        var beforeTenth = cluster.HealthMachine.State;
        Run(cluster, Succeed);

        Assert.Equal(HealthState.Healthy, beforeTenth);
        Assert.Equal(HealthState.Degraded, cluster.HealthMachine.State);
    }

    [Fact]
    public void Successes_BringingTheRatioBelowTheThreshold_MoveDegradedToHealthy()
    {
        var policy = new CircuitBreakerPolicy { MinimumThroughput = 10, FailureRatio = 0.9, DegradedRatio = 0.1, ConsecutiveFailures = 0 };
        var cluster = new ClusterResilience("backend", new ClusterPolicy { CircuitBreaker = policy }, _time);
        for (var i = 0; i < 10; i++)
        {
            Run(cluster, i < 2 ? Fail : Succeed);
        }

        var degraded = cluster.HealthMachine.State; // 2 of 10
        for (var i = 0; i < 10; i++)
        {
            Run(cluster, Succeed);
        }

        var atThreshold = cluster.HealthMachine.State; // 2 of 20: still at the degraded ratio
        Run(cluster, Succeed);

        Assert.Equal(HealthState.Degraded, degraded);
        Assert.Equal(HealthState.Degraded, atThreshold);
        Assert.Equal(HealthState.Healthy, cluster.HealthMachine.State); // 2 of 21
    }
}
