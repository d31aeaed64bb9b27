using System.Text.Json;
using Mesh.Heal.Sidecar.Configuration;
using Mesh.Heal.Sidecar.Hosting;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Mesh.Heal.Sidecar.Tests.Integration.TestSidecar;

namespace Mesh.Heal.Sidecar.Tests.Integration;

[Collection(nameof(SidecarCollection))]
public class PolicyReloadTests
{
    private static string TwoClusterConfig(string failingAddress, string okAddress, object okPolicy) => JsonSerializer.Serialize(new
    {
        Sidecar = new { Service = "orders" },
        ReverseProxy = new
        {
            Routes = new Dictionary<string, object>
            {
                ["failing"] = new { ClusterId = "failing", Match = new { Path = "/failing/{**rest}" } },
                ["ok"] = new { ClusterId = "ok", Match = new { Path = "{**rest}" } },
            },
            Clusters = new { failing = Cluster(failingAddress), ok = Cluster(okAddress) },
        },
        Resilience = new
        {
            Clusters = new Dictionary<string, object>
            {
                ["failing"] = new { CircuitBreaker = new { MinimumThroughput = 4, BreakDuration = "00:01:00" }, Retry = new { MaxAttempts = 1 } },
                ["ok"] = okPolicy,
            },
        },
    });

    private static WireMock.Server.WireMockServer OkUpstream()
    {
        var ok = Upstreams.Start();
        ok.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithBody("ok"));
        return ok;
    }

    [Fact]
    public async Task ValidChange_IsAppliedLive_AndAnUntouchedClusterKeepsItsOpenBreaker()
    {
        using var failing = Upstreams.Start();
        failing.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(500));
        using var ok = OkUpstream();
        await using var sidecar = await StartAsync(TwoClusterConfig(failing.Address(), ok.Address(), new { Timeout = "00:00:05" }));
        for (var i = 0; i < 4; i++)
        {
            using var _ = await sidecar.Proxy.GetAsync("/failing/x");
        }

        Assert.Equal("Open", (await sidecar.ClusterStateAsync("failing")).GetProperty("breaker").GetString());

        await File.WriteAllTextAsync(sidecar.ConfigPath, TwoClusterConfig(
            failing.Address(), ok.Address(), new { Timeout = "00:00:02", Fallback = new { Response = new { StatusCode = 200, Body = "static" } } }));
        await Wait.UntilAsync(async () => (await sidecar.StateAsync()).GetProperty("policyVersion").GetInt64() == 2, "policy version 2 is in force");

        var failingState = await sidecar.ClusterStateAsync("failing");
        Assert.Equal("Open", failingState.GetProperty("breaker").GetString());
        Assert.Equal("Failed", failingState.GetProperty("health").GetString());
        Assert.Equal("response", (await sidecar.ClusterStateAsync("ok")).GetProperty("fallback").GetString());
        Assert.Equal("ok", await sidecar.Proxy.GetStringAsync("/anything"));
        Assert.Equal(4, failing.LogEntries.Count());
    }

    [Fact]
    public async Task RepeatedChanges_UnderLoad_LoseNoRequest()
    {
        using var failing = Upstreams.Start();
        using var ok = OkUpstream();
        await using var sidecar = await StartAsync(TwoClusterConfig(failing.Address(), ok.Address(), new { Timeout = "00:00:05" }));
        await using var traffic = new Traffic(sidecar.Proxy, "/anything");

        for (var version = 2; version <= 5; version++)
        {
            var timeout = $"00:00:0{version}";
            await File.WriteAllTextAsync(sidecar.ConfigPath, TwoClusterConfig(failing.Address(), ok.Address(), new { Timeout = timeout, Retry = new { MaxAttempts = version % 2 + 1 } }));
            var expected = version;
            await Wait.UntilAsync(async () => (await sidecar.StateAsync()).GetProperty("policyVersion").GetInt64() == expected, $"policy version {expected} is in force");
        }

        await traffic.StopAsync();
        Assert.True(traffic.Results.Count > 20, $"only {traffic.Results.Count} requests ran during the changes");
        Assert.All(traffic.Results, r => Assert.Equal(System.Net.HttpStatusCode.OK, r.Status));
    }

    [Fact]
    public async Task InvalidChange_IsRejectedWithTheFieldNamed_AndTheOldPolicyStays()
    {
        using var failing = Upstreams.Start();
        using var ok = OkUpstream();
        await using var sidecar = await StartAsync(TwoClusterConfig(failing.Address(), ok.Address(), new { Timeout = "00:00:05" }));

        await File.WriteAllTextAsync(sidecar.ConfigPath, TwoClusterConfig(failing.Address(), ok.Address(), new { CircuitBreaker = new { FailureRatio = 2 } }));
        await Wait.UntilAsync(async () => (await sidecar.StateAsync()).GetProperty("policyRejections").GetInt64() == 1, "the change is rejected");

        var state = await sidecar.StateAsync();
        Assert.Equal(1, state.GetProperty("policyVersion").GetInt64());
        var error = state.GetProperty("lastPolicyError").GetString()!;
        Assert.Contains("Resilience:Clusters:ok:CircuitBreaker:FailureRatio", error);
        Assert.Contains("accepted: greater than 0 and at most 1", error);
        Assert.Equal("ok", await sidecar.Proxy.GetStringAsync("/anything"));
    }

    [Fact]
    public async Task MalformedFile_IsRejected_AndRoutesAndPolicyStay()
    {
        using var failing = Upstreams.Start();
        using var ok = OkUpstream();
        await using var sidecar = await StartAsync(TwoClusterConfig(failing.Address(), ok.Address(), new { Timeout = "00:00:05" }));

        await File.WriteAllTextAsync(sidecar.ConfigPath, "{ \"ReverseProxy\": { \"Routes\": ");
        await Wait.UntilAsync(async () => (await sidecar.StateAsync()).GetProperty("policyRejections").GetInt64() == 1, "the file is rejected");

        Assert.Contains("was not loaded", (await sidecar.StateAsync()).GetProperty("lastPolicyError").GetString());
        Assert.Equal("ok", await sidecar.Proxy.GetStringAsync("/anything"));
        Assert.Equal(1, (await sidecar.StateAsync()).GetProperty("policyVersion").GetInt64());
    }

    [Fact]
    public void StartUp_InvalidPolicy_FailsWithEveryErrorNamed()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("meshheal-test-").FullName, "bad.json");
        File.WriteAllText(path, Config(new { backend = Cluster("http://127.0.0.1:1/") }, new
        {
            Clusters = new { backend = new { Timeout = "soon", Retry = new { BudgetPercent = -5 }, Fallback = new { Cluster = "missing" } } },
        }));

        var ex = Assert.Throws<SidecarConfigurationException>(() => SidecarHost.Build(
            ["--config", path, "--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0"]));

        Assert.Contains(ex.Errors, e => e.Field == "Resilience:Clusters:backend:Timeout" && e.Message.Contains("is not a duration"));
        Assert.Contains("Resilience:Clusters:backend:Timeout", ex.Message);
    }

    [Theory]
    [InlineData("--Sidecar:ListenUrl=https://127.0.0.1:0", "Sidecar:ListenUrl")]
    [InlineData("--Sidecar:AdminUrl=not a url", "Sidecar:AdminUrl")]
    [InlineData("--config=/nonexistent/sidecar.json", "--config")]
    [InlineData("--Sidecar:CallerMinRequestBodyBytesPerSecond=-1", "Sidecar:CallerMinRequestBodyBytesPerSecond")]
    [InlineData("--Sidecar:CallerRequestHeadersTimeout=00:00:00", "Sidecar:CallerRequestHeadersTimeout")]
    [InlineData("--Sidecar:CallerMinRequestBodyGracePeriod=00:00:01", "Sidecar:CallerMinRequestBodyGracePeriod")]
    public void StartUp_BadSetting_FailsNamingIt(string argument, string field)
    {
        var ex = Assert.Throws<SidecarConfigurationException>(() => SidecarHost.Build(
            ["--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0", argument]));

        Assert.Equal(field, Assert.Single(ex.Errors).Field);
    }

    [Fact]
    public async Task StartUp_MalformedConfigFile_FailsNamingTheFile()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("meshheal-test-").FullName, "broken.json");
        await File.WriteAllTextAsync(path, "{ not json");

        var ex = Assert.Throws<SidecarConfigurationException>(() => SidecarHost.Build(["--config", path]));

        Assert.Contains("broken.json", ex.Message);
    }
}
