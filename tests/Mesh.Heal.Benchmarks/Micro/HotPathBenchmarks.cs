using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Mesh.Heal.Health;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Resilience;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.Benchmarks.Micro;

/// <summary>What the sidecar does per request besides forwarding: the breaker's decision, an attempt through the
/// breaker, recording the outcome, and the fallback choice while Recovering.</summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private static readonly Func<int, ValueTask<AttemptResult>> Success = static _ => new ValueTask<AttemptResult>(AttemptResult.Success);
    private static readonly Func<int, ValueTask<AttemptResult>> Failure = static _ => new ValueTask<AttemptResult>(AttemptResult.ServerError);
    private ClusterResilience _closed = null!;
    private ClusterResilience _recovering = null!;

    [GlobalSetup]
    public void Setup()
    {
        _closed = new ClusterResilience("backend", new ClusterPolicy(), TimeProvider.System);

        // A window of successes, then a run of failures trips the breaker (before the ratio could), and the break passes.
        var time = new FakeTimeProvider();
        _recovering = new ClusterResilience("backend", new ClusterPolicy(), time);
        for (var i = 0; i < 100; i++)
        {
            _recovering.ExecuteAsync(Success, 0).AsTask().GetAwaiter().GetResult();
        }

        for (var i = 0; i < 10; i++)
        {
            _recovering.ExecuteAsync(Failure, 0).AsTask().GetAwaiter().GetResult();
        }

        time.Advance(new CircuitBreakerPolicy().BreakDuration + TimeSpan.FromMilliseconds(1));
        if (_recovering.Health != HealthState.Recovering)
        {
            throw new InvalidOperationException($"expected Recovering, got {_recovering.Health}");
        }

        // The probe passes, so the ramp starts: 10 % of requests to the primary, its clock stopped there.
        _recovering.ExecuteAsync(Success, 0).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Whether a request goes to the primary: a volatile read while closed.</summary>
    [Benchmark(Baseline = true)]
    public bool BreakerDecision() => _closed.ShouldTryPrimary();

    /// <summary>One successful attempt through the breaker, with the health window and counters updated.</summary>
    [Benchmark]
    public ValueTask<AttemptResult> AttemptThroughBreaker() => _closed.ExecuteAsync(Success, 0);

    /// <summary>What the middleware records around every request: the retry budget's count, the caller's outcome and latency.</summary>
    [Benchmark]
    public void OutcomeRecording()
    {
        _closed.OnRequest();
        _closed.OnCompleted(RequestOutcome.Success, TimeSpan.FromMilliseconds(2));
    }

    /// <summary>The ramp's choice between the primary and the fallback while Recovering.</summary>
    [Benchmark]
    public bool FallbackChoiceWhileRecovering() => _recovering.ShouldTryPrimary();

    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig()
        {
            // In process: no generated project to build, so it runs wherever this driver runs.
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
        }
    }
}
