using System.Diagnostics;
using System.Net;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static Mesh.Heal.Sidecar.Tests.Integration.TestSidecar;

namespace Mesh.Heal.Sidecar.Tests.Integration;

[Collection(nameof(SidecarCollection))]
public class FallbackTests
{
    private static object FallbackTo(string cluster, object? breaker = null, object? extra = null) => new
    {
        Clusters = new
        {
            backend = new
            {
                CircuitBreaker = breaker ?? new { FailureRatio = 0.5, MinimumThroughput = 5, SamplingDuration = "00:00:02", BreakDuration = "00:00:00.5", RecoveryDuration = "00:00:01" },
                Timeout = "00:00:00.3",
                Retry = new { MaxAttempts = 1 },
                Fallback = new { Cluster = cluster },
            },
        },
    };

    private static WireMockServer Backup()
    {
        var backup = Upstreams.Start();
        backup.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithBody("from backup"));
        return backup;
    }

    [Fact]
    public async Task ServerError_Get_IsServedByStaticFallback_WithHeader()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithStatusCode(500).WithBody("stack trace"));
        var resilience = new
        {
            Clusters = new
            {
                backend = new
                {
                    Fallback = new
                    {
                        Response = new { StatusCode = 200, ContentType = "application/json", Body = "{\"cached\":true}", Headers = new Dictionary<string, string> { ["x-cache"] = "stale" } },
                    },
                },
            },
        };
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(upstream.Address()) }, resilience));

        using var response = await sidecar.Proxy.GetAsync("/orders");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"cached\":true}", await response.Content.ReadAsStringAsync());
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("response", response.Headers.GetValues("x-meshheal-fallback").Single());
        Assert.Equal("stale", response.Headers.GetValues("x-cache").Single());
    }

    [Fact]
    public async Task ServerError_Post_PassesThroughUntilTheBreakerOpens_ThenFallsBackWithoutSending()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(500).WithBody("boom"));
        using var backup = Backup();
        await using var sidecar = await StartAsync(Config(
            new { backend = Cluster(upstream.Address()), backup = Cluster(backup.Address()) }, FallbackTo("backup")));

        for (var i = 0; i < 5; i++)
        {
            using var failed = await sidecar.Proxy.PostAsync("/pay", new StringContent("x"));
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode); // not safe to send twice
            Assert.Equal("boom", await failed.Content.ReadAsStringAsync());
        }

        using var response = await sidecar.Proxy.PostAsync("/pay", new StringContent("x"));

        Assert.Equal("from backup", await response.Content.ReadAsStringAsync());
        Assert.Equal("backup", response.Headers.GetValues("x-meshheal-fallback").Single());
        Assert.Equal(5, upstream.LogEntries.Count());
        var state = await sidecar.ClusterStateAsync("backend");
        Assert.Equal("Failed", state.GetProperty("health").GetString());
        Assert.Equal("Open", state.GetProperty("breaker").GetString());
    }

    [Fact]
    public async Task SlowUpstream_TimesOut_AndIsServedByFallbackCluster()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithBody("late").WithDelay(TimeSpan.FromSeconds(5)));
        using var backup = Backup();
        await using var sidecar = await StartAsync(Config(
            new { backend = Cluster(upstream.Address()), backup = Cluster(backup.Address()) }, FallbackTo("backup")));

        var clock = Stopwatch.StartNew();
        using var response = await sidecar.Proxy.GetAsync("/slow");

        Assert.Equal("from backup", await response.Content.ReadAsStringAsync());
        Assert.Equal("backup", response.Headers.GetValues("x-meshheal-fallback").Single());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}, the 300 ms timeout did not cut the 5 s upstream");
        Assert.Equal(1, (await sidecar.ClusterStateAsync("backend")).GetProperty("failures").GetInt64());
    }

    [Fact]
    public async Task DroppedConnection_IsServedByFallbackCluster()
    {
        using var upstream = RawUpstream.Dropping();
        using var backup = Backup();
        await using var sidecar = await StartAsync(Config(
            new { backend = Cluster(upstream.Address), backup = Cluster(backup.Address()) }, FallbackTo("backup")));

        using var response = await sidecar.Proxy.GetAsync("/drop");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("from backup", await response.Content.ReadAsStringAsync());
        Assert.True(upstream.Connections >= 1, "the request never reached the dropping upstream");
        Assert.Equal(1, (await sidecar.ClusterStateAsync("backend")).GetProperty("failures").GetInt64());
    }

    [Fact]
    public async Task SlowCalls_AreServed_ButCountAsFailures_UntilTheBreakerOpens()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithBody("slow but fine").WithDelay(TimeSpan.FromMilliseconds(300)));
        using var backup = Backup();
        var resilience = new
        {
            Clusters = new
            {
                backend = new
                {
                    CircuitBreaker = new { MinimumThroughput = 3, SlowCallDuration = "100ms", BreakDuration = "00:01:00" },
                    Timeout = "00:00:05",
                    Fallback = new { Cluster = "backup" },
                },
            },
        };
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(upstream.Address()), backup = Cluster(backup.Address()) }, resilience));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("slow but fine", await sidecar.Proxy.GetStringAsync("/")); // a slow answer is still an answer
        }

        using var response = await sidecar.Proxy.GetAsync("/");

        Assert.Equal("from backup", await response.Content.ReadAsStringAsync());
        var state = await sidecar.ClusterStateAsync("backend");
        Assert.Equal(3, state.GetProperty("failures").GetInt64());
        Assert.Equal("Open", state.GetProperty("breaker").GetString());
        Assert.Equal(3, upstream.LogEntries.Count());
    }

    [Fact]
    public async Task BreakerOpen_WithoutFallback_Returns503WithBreakerHeader()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(503));
        var resilience = new
        {
            Clusters = new { backend = new { CircuitBreaker = new { MinimumThroughput = 4, BreakDuration = "00:00:05" }, Retry = new { MaxAttempts = 1 } } },
        };
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(upstream.Address()) }, resilience));

        for (var i = 0; i < 4; i++)
        {
            using var failed = await sidecar.Proxy.GetAsync("/");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.False(failed.Headers.Contains("x-meshheal-breaker"));
        }

        using var response = await sidecar.Proxy.GetAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("open", response.Headers.GetValues("x-meshheal-breaker").Single());
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter!.Delta);
        Assert.Equal(4, upstream.LogEntries.Count());
    }

    [Fact]
    public async Task Flow_UpstreamKilled_NoRequestLost_Failed_Recovering_Healthy()
    {
        var primary = Upstreams.Start();
        var port = primary.Port();
        primary.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithBody("from primary"));
        using var backup = Backup();
        await using var sidecar = await StartAsync(Config(
            new { backend = Cluster(primary.Address()), backup = Cluster(backup.Address()) }, FallbackTo("backup")));

        var healthSeen = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        await using var traffic = new Traffic(sidecar.Proxy, "/item");
        var results = traffic.Results;
        async Task<string> Health()
        {
            var health = (await sidecar.ClusterStateAsync("backend")).GetProperty("health").GetString()!;
            healthSeen[health] = true;
            return health;
        }

        await Wait.UntilAsync(() => Task.FromResult(results.Count(r => r.Body == "from primary") >= 100), "the primary served 100 requests");
        primary.Dispose();
        await Wait.UntilAsync(async () => await Health() == "Failed", "the breaker opened");
        var servedWhileDown = results.Count;
        await Wait.UntilAsync(() => Task.FromResult(results.Count >= servedWhileDown + 100), "100 more requests while the primary is down");

        primary = Upstreams.Start(port);
        primary.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithBody("from primary"));
        await Wait.UntilAsync(async () => await Health() == "Healthy", "the cluster recovered", TimeSpan.FromSeconds(30));
        var recoveredAt = results.Count;
        await Wait.UntilAsync(() => Task.FromResult(results.Count >= recoveredAt + 50), "50 requests after recovery");
        await traffic.StopAsync();
        primary.Dispose();

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Contains(results, r => r.Body == "from backup");
        Assert.True(healthSeen.ContainsKey("Recovering"), "Recovering was never observed: " + string.Join(",", healthSeen.Keys));
        Assert.All(results.Skip(recoveredAt + 10), r => Assert.Equal("from primary", r.Body));
        Assert.Equal(0, (await sidecar.ClusterStateAsync("backend")).GetProperty("callerFailures").GetInt64());
    }
}
