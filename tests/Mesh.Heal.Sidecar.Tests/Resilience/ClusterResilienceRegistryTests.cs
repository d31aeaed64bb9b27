using Mesh.Heal.Health;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Resilience;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.Sidecar.Tests.Resilience;

public class ClusterResilienceRegistryTests
{
    [Fact]
    public async Task Apply_ChangesOnlyOneCluster_OtherClustersKeepTheirBreakerState()
    {
        var time = new FakeTimeProvider();
        var registry = new ClusterResilienceRegistry(time, NullLogger<ClusterResilienceRegistry>.Instance);
        var policy = new ResiliencePolicy
        {
            Version = 1,
            Clusters = new Dictionary<string, ClusterPolicy> { ["a"] = new(), ["b"] = new() },
        };
        registry.Apply(policy);
        var a = registry.Get("a");
        var b = registry.Get("b");
        for (var i = 0; i < 10; i++)
        {
            await a.ExecuteAsync(static _ => new ValueTask<AttemptResult>(AttemptResult.ServerError), 0);
            await b.ExecuteAsync(static _ => new ValueTask<AttemptResult>(AttemptResult.ServerError), 0);
        }

        registry.Apply(policy with
        {
            Version = 2,
            Clusters = new Dictionary<string, ClusterPolicy>
            {
                ["a"] = new(),
                ["b"] = new() { CircuitBreaker = new CircuitBreakerPolicy { MinimumThroughput = 50 } },
            },
        });

        Assert.Same(a, registry.Get("a"));
        Assert.Equal(BreakerState.Open, a.BreakerState);
        Assert.Equal(BreakerState.Closed, b.BreakerState);
        Assert.Equal(50, b.Policy.CircuitBreaker.MinimumThroughput);
        Assert.Equal(2, registry.Policy.Version);
    }

    [Fact]
    public void Get_UnlistedCluster_UsesDefaults()
    {
        var registry = new ClusterResilienceRegistry(new FakeTimeProvider(), NullLogger<ClusterResilienceRegistry>.Instance);
        registry.Apply(new ResiliencePolicy { Version = 1, Defaults = new ClusterPolicy { Timeout = TimeSpan.FromSeconds(3) } });

        Assert.Equal(TimeSpan.FromSeconds(3), registry.Get("anything").Policy.Timeout);
    }
}
