using Mesh.Heal.Health;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Resilience;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.Sidecar.Tests.Resilience;

/// <summary>The resilience step on every request's success path: what it allocates, and the transitions the lock-free path must still make.</summary>
public class ClusterResilienceHotPathTests
{
    private static readonly Func<int, ValueTask<AttemptResult>> Succeed = static _ => new ValueTask<AttemptResult>(AttemptResult.Success);

    private static readonly Func<int, ValueTask<AttemptResult>> Fail = static _ => new ValueTask<AttemptResult>(AttemptResult.ServerError);

    // The clock stands still: the measured calls stay in one bucket of the window (moving on allocates nothing either,
    // but a fixed clock keeps the health state the test set up).
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero));

    private static void Run(ClusterResilience cluster, Func<int, ValueTask<AttemptResult>> attempt)
    {
        cluster.OnRequest();
        var pending = cluster.ExecuteAsync(attempt, 0);
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
            Run(cluster, Succeed); // tiered JIT
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

        var beforeTenth = cluster.Breaker.Health;
        Run(cluster, Succeed);

        Assert.Equal(HealthState.Healthy, beforeTenth);
        Assert.Equal(HealthState.Degraded, cluster.Breaker.Health);
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

        var degraded = cluster.Breaker.Health; // 2 of 10
        for (var i = 0; i < 10; i++)
        {
            Run(cluster, Succeed);
        }

        var atThreshold = cluster.Breaker.Health; // 2 of 20: still at the degraded ratio
        Run(cluster, Succeed);

        Assert.Equal(HealthState.Degraded, degraded);
        Assert.Equal(HealthState.Degraded, atThreshold);
        Assert.Equal(HealthState.Healthy, cluster.Breaker.Health); // 2 of 21
    }
}
