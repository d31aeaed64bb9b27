using System.Net;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Mesh.Heal.Sidecar.Tests.Integration.TestSidecar;

namespace Mesh.Heal.Sidecar.Tests.Integration;

[Collection(nameof(SidecarCollection))]
public class OutlierDetectionTests
{
    [Fact]
    public async Task OneBadReplica_IsEjected_WhileTheBreakerStaysClosed()
    {
        using var bad = Upstreams.Start();
        bad.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(502));
        using var good1 = Upstreams.Start();
        good1.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithBody("ok"));
        using var good2 = Upstreams.Start();
        good2.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithBody("ok"));
        var clusters = new
        {
            backend = new
            {
                LoadBalancingPolicy = "RoundRobin",
                Destinations = new { d1 = new { Address = bad.Address() }, d2 = new { Address = good1.Address() }, d3 = new { Address = good2.Address() } },
            },
        };
        var resilience = new { Clusters = new { backend = new { Retry = new { MaxAttempts = 1 }, OutlierDetection = new { ConsecutiveFailures = 3, EjectionDuration = "00:01:00" } } } };
        await using var sidecar = await StartAsync(Config(clusters, resilience));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 60; i++)
        {
            using var response = await sidecar.Proxy.GetAsync("/");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.BadGateway));
        Assert.All(statuses.Skip(12), s => Assert.Equal(HttpStatusCode.OK, s));
        var state = await sidecar.ClusterStateAsync("backend");
        Assert.Equal("Closed", state.GetProperty("breaker").GetString());
        Assert.Equal("Unhealthy", state.GetProperty("destinations").GetProperty("d1").GetProperty("passiveHealth").GetString());
        Assert.NotEqual("Unhealthy", state.GetProperty("destinations").GetProperty("d2").GetProperty("passiveHealth").GetString());
    }

    [Fact]
    public async Task OnlyDestination_IsNeverEjected()
    {
        using var bad = Upstreams.Start();
        bad.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(500));
        var resilience = new { Clusters = new { backend = new { CircuitBreaker = new { MinimumThroughput = 100 }, Retry = new { MaxAttempts = 1 }, OutlierDetection = new { ConsecutiveFailures = 2 } } } };
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(bad.Address()) }, resilience));

        for (var i = 0; i < 5; i++)
        {
            using var _ = await sidecar.Proxy.GetAsync("/");
        }

        var state = await sidecar.ClusterStateAsync("backend");
        Assert.NotEqual("Unhealthy", state.GetProperty("destinations").GetProperty("d1").GetProperty("passiveHealth").GetString());
        Assert.Equal(5, bad.LogEntries.Count());
    }

    [Fact]
    public async Task Retry_GoesToAnotherDestination_WithinBudget()
    {
        using var bad = Upstreams.Start();
        bad.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(500));
        using var good = Upstreams.Start();
        good.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithBody("ok"));
        var clusters = new { backend = Cluster(bad.Address(), good.Address()) };
        var resilience = new
        {
            Clusters = new { backend = new { Retry = new { MaxAttempts = 2, BudgetPercent = 100 }, OutlierDetection = new { ConsecutiveFailures = 0 }, CircuitBreaker = new { MinimumThroughput = 1000 } } },
        };
        await using var sidecar = await StartAsync(Config(clusters, resilience));

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("ok", await sidecar.Proxy.GetStringAsync("/"));
        }

        var state = await sidecar.ClusterStateAsync("backend");
        Assert.Equal(bad.LogEntries.Count(), state.GetProperty("retries").GetInt64());
        Assert.True(bad.LogEntries.Any(), "the bad destination was never tried: the test proved nothing");
        Assert.Equal(0, state.GetProperty("callerFailures").GetInt64());
    }

    [Fact]
    public async Task Retry_BudgetExhausted_FailureReachesTheCaller()
    {
        using var bad = Upstreams.Start();
        bad.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(500).WithBody("upstream says no"));
        var resilience = new
        {
            Clusters = new { backend = new { Retry = new { MaxAttempts = 3, BudgetPercent = 10 }, OutlierDetection = new { ConsecutiveFailures = 0 }, CircuitBreaker = new { MinimumThroughput = 1000, ConsecutiveFailures = 0 } } },
        };
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(bad.Address()) }, resilience));

        var bodies = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await sidecar.Proxy.GetAsync("/");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        var retries = (await sidecar.ClusterStateAsync("backend")).GetProperty("retries").GetInt64();
        Assert.InRange(retries, 1, 2); // 10% of 20 requests
        Assert.Equal(20 + retries, bad.LogEntries.Count());
        Assert.All(bodies, b => Assert.Equal("upstream says no", b));
    }
}
