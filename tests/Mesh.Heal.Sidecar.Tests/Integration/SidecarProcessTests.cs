using Mesh.Heal.Chaos;
using Mesh.Heal.Sidecar.Configuration;
using Mesh.Heal.Sidecar.Hosting;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Mesh.Heal.Sidecar.Tests.Integration.TestSidecar;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>The sidecar as an operator runs it: its own process (the native one when <see cref="SidecarCommand.BinaryVariable"/>
/// is set), its exit code and what it prints; and the test harness's process mode, which the AOT pass of tests/run.sh uses.</summary>
[Collection(nameof(SidecarCollection))]
public class SidecarProcessTests
{
    [Fact]
    public async Task InvalidPolicy_ProcessExitsWithCode2_AndNamesEveryBadSetting()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("meshheal-test-").FullName, "sidecar.json");
        await File.WriteAllTextAsync(path, Config(new { backend = Cluster("http://127.0.0.1:1/") }, new
        {
            Clusters = new { backend = new { CircuitBreaker = new { FailureRatio = 3 }, Retry = new { MaxAttempts = 0 } } },
        }));

        var ex = await Assert.ThrowsAsync<ProcessExitedException>(() => StartAsync(path));

        Assert.Equal(2, ex.ExitCode);
        Assert.Contains("Resilience:Clusters:backend:CircuitBreaker:FailureRatio: 3 is out of range; accepted: greater than 0 and at most 1", ex.Output);
        Assert.Contains("Resilience:Clusters:backend:Retry:MaxAttempts: 0 is out of range; accepted: 1 to 10", ex.Output);
    }

    [Fact]
    public async Task Sigterm_StopsTheProcess_WithExitCode0()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("meshheal-test-").FullName, "sidecar.json");
        await File.WriteAllTextAsync(path, Config(new { backend = Cluster("http://127.0.0.1:1/") }));
        var (process, ready) = await StartAsync(path);
        await using var _ = process;
        using var admin = new HttpClient { BaseAddress = SidecarCommand.Addresses(ready).AdminUri };
        Assert.Equal("ok\n", await admin.GetStringAsync("/healthz"));

        Assert.True(await process.StopAsync(TimeSpan.FromSeconds(10)), $"the sidecar did not stop on SIGTERM:\n{process.Output}");
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task ProcessMode_ProxiesAndAnswersAdmin_AtTheAddressesItPrinted_AndStopsAtDispose()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithBody("from upstream"));
        var sidecar = await StartProcessAsync(Config(new { backend = Cluster(upstream.Address()) }));
        Uri admin;
        await using (sidecar)
        {
            admin = sidecar.Endpoints.AdminUri;
            Assert.Equal("from upstream", await sidecar.Proxy.GetStringAsync("/orders/1"));
            Assert.Equal("orders", (await sidecar.StateAsync()).GetProperty("service").GetString());
            Assert.Contains("running", sidecar.Output);
        }

        using var client = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(admin, "/healthz")));
    }

    [Fact]
    public async Task ProcessMode_RefusedConfiguration_ThrowsTheInProcessException_WithTheProcessMessage()
    {
        var ex = await Assert.ThrowsAsync<SidecarConfigurationException>(() => StartProcessAsync(
            Config(new { backend = Cluster("http://127.0.0.1:1/") }), "--Sidecar:AdminUrl=not a url"));

        Assert.Contains("Sidecar:AdminUrl: 'not a url' is not a listen address", ex.Message);
    }

    [Fact]
    public async Task ProcessMode_SidecarDyingUnderATest_FailsItsRequestsAndItsDispose_WithWhatItPrinted()
    {
        var sidecar = await StartProcessAsync(Config(new { backend = Cluster("http://127.0.0.1:1/") }));
        using (var process = System.Diagnostics.Process.GetProcessById(sidecar.ProcessId!.Value))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        var request = await Assert.ThrowsAsync<HttpRequestException>(() => sidecar.Admin.GetAsync("/healthz"));
        var wait = await Assert.ThrowsAsync<TimeoutException>(() => Wait.UntilAsync(() => Task.FromResult(false), "never", TimeSpan.FromMilliseconds(100)));
        var dispose = await Assert.ThrowsAsync<InvalidOperationException>(async () => await sidecar.DisposeAsync());

        Assert.Contains("exited with code 137", request.Message);
        Assert.Contains("listening: proxy http://127.0.0.1:", request.Message);
        Assert.Contains("listening: proxy http://127.0.0.1:", wait.Message);
        Assert.Contains("listening: proxy http://127.0.0.1:", dispose.Message);
    }

    private static Task<(ChaosProcess Process, System.Text.RegularExpressions.Match Ready)> StartAsync(string configPath)
    {
        var (program, leading) = SidecarCommand.Program(() => typeof(SidecarHost).Assembly.Location);
        return ChaosProcess.StartExecutableAsync("sidecar", program, [.. leading, .. SidecarCommand.Arguments(configPath, [])], SidecarCommand.Listening());
    }
}
