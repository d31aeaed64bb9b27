using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static Mesh.Heal.Sidecar.Tests.Integration.TestSidecar;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>The caller-facing side is hostile: what a caller does wrong never counts against the upstream.</summary>
[Collection(nameof(SidecarCollection))]
public class HostileCallerTests
{
    private static object GuardedBackend(string timeout = "00:00:01") => new
    {
        Clusters = new
        {
            backend = new
            {
                CircuitBreaker = new { FailureRatio = 0.5, MinimumThroughput = 5, SamplingDuration = "00:00:30", BreakDuration = "00:01:00", ConsecutiveFailures = 5 },
                Timeout = timeout,
                Retry = new { MaxAttempts = 1 },
                Fallback = new { Cluster = "backup" },
            },
        },
    };

    private static WireMockServer Answering(string body)
    {
        var server = Upstreams.Start();
        server.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithBody(body));
        return server;
    }

    [Fact]
    public async Task SlowBodyCallers_AreAnsweredRequestTimeout_AndNeitherTripTheBreakerNorSendOthersToTheBackup()
    {
        using var primary = Answering("from primary");
        using var backup = Answering("from backup");
        await using var sidecar = await StartAsync(Config(
            new { backend = Cluster(primary.Address()), backup = Cluster(backup.Address()) }, GuardedBackend()));

        var slow = Enumerable.Range(0, 10).Select(_ => Task.Run(async () =>
        {
            using var caller = await RawCaller.ConnectAsync(sidecar.Endpoints.ProxyUri);
            await caller.SendAsync("POST /upload HTTP/1.1\r\nHost: orders\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n");
            using var stop = new CancellationTokenSource();
            var trickle = Task.Run(async () =>
            {
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        await caller.SendAsync("x");
                        await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
                {
                }
            });
            try
            {
                return await caller.ReadResponseAsync(TimeSpan.FromSeconds(15));
            }
            finally
            {
                await stop.CancelAsync();
                await trickle;
            }
        })).ToArray();
        var answers = await Task.WhenAll(slow);

        Assert.All(answers, a => Assert.Equal(408, a.Status));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("from primary", await sidecar.Proxy.GetStringAsync("/orders"));
        }

        var state = await sidecar.ClusterStateAsync("backend");
        Assert.Equal("Closed", state.GetProperty("breaker").GetString());
        Assert.Equal("Healthy", state.GetProperty("health").GetString());
        Assert.Equal(0, state.GetProperty("failures").GetInt64());
        Assert.Equal(10, state.GetProperty("callerErrors").GetInt64());
        Assert.Equal(0, state.GetProperty("fallbacks").GetInt64());
        Assert.Empty(backup.LogEntries);
    }

    [Fact]
    public async Task SlowBodyCaller_UnderALongTimeout_IsEndedByTheListenersMinimumRate_AsTheCallersError()
    {
        using var primary = Answering("from primary");
        using var backup = Answering("from backup");
        await using var sidecar = await StartAsync(
            Config(new { backend = Cluster(primary.Address()), backup = Cluster(backup.Address()) }, GuardedBackend(timeout: "00:00:30")),
            "--Sidecar:CallerMinRequestBodyGracePeriod=00:00:02");

        using var caller = await RawCaller.ConnectAsync(sidecar.Endpoints.ProxyUri);
        await caller.SendAsync("POST /upload HTTP/1.1\r\nHost: orders\r\nContent-Length: 100\r\n\r\nx");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Wait.UntilAsync(
            async () => (await sidecar.ClusterStateAsync("backend")).GetProperty("callerErrors").GetInt64() == 1,
            "the slow body is ended as the caller's error", TimeSpan.FromSeconds(20));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}: the 30 s policy timeout ended it, not the listener's rate");
        var state = await sidecar.ClusterStateAsync("backend");
        Assert.Equal(0, state.GetProperty("failures").GetInt64());
        Assert.Equal("Closed", state.GetProperty("breaker").GetString());
        Assert.Equal("from primary", await sidecar.Proxy.GetStringAsync("/orders"));
    }

    [Fact]
    public async Task CallersResettingMidBody_DoNotTripTheBreaker_OrEjectADestination()
    {
        using var primary = Answering("from primary");
        using var second = Answering("from primary");
        using var backup = Answering("from backup");
        var resilience = new
        {
            Clusters = new
            {
                backend = new
                {
                    CircuitBreaker = new { FailureRatio = 0.5, MinimumThroughput = 5, SamplingDuration = "00:00:30", BreakDuration = "00:01:00" },
                    Timeout = "00:00:05",
                    Retry = new { MaxAttempts = 1 },
                    Fallback = new { Cluster = "backup" },
                    OutlierDetection = new { ConsecutiveFailures = 2, MaxEjectionPercent = 50 },
                },
            },
        };
        await using var sidecar = await StartAsync(Config(
            new { backend = Cluster(primary.Address(), second.Address()), backup = Cluster(backup.Address()) }, resilience));

        for (var i = 0; i < 10; i++)
        {
            using var caller = await RawCaller.ConnectAsync(sidecar.Endpoints.ProxyUri);
            await caller.SendAsync("PUT /upload HTTP/1.1\r\nHost: orders\r\nContent-Length: 1000\r\n\r\nhalf a body");
            await Task.Delay(100);
            caller.Reset();
        }

        await Wait.UntilAsync(
            async () => (await sidecar.ClusterStateAsync("backend")).GetProperty("callerErrors").GetInt64() == 10,
            "every reset is counted as the caller's");
        var state = await sidecar.ClusterStateAsync("backend");
        Assert.Equal(0, state.GetProperty("failures").GetInt64());
        Assert.Equal("Closed", state.GetProperty("breaker").GetString());
        foreach (var destination in state.GetProperty("destinations").EnumerateObject())
        {
            Assert.NotEqual("Unhealthy", destination.Value.GetProperty("passiveHealth").GetString());
        }

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("from primary", await sidecar.Proxy.GetStringAsync("/orders"));
        }
    }

    [Fact]
    public async Task MalformedChunkedBodies_AreTheCallersError_AndTheBreakerStaysClosed()
    {
        using var primary = Answering("from primary");
        using var backup = Answering("from backup");
        await using var sidecar = await StartAsync(Config(
            new { backend = Cluster(primary.Address()), backup = Cluster(backup.Address()) }, GuardedBackend(timeout: "00:00:05")));

        for (var i = 0; i < 10; i++)
        {
            using var caller = await RawCaller.ConnectAsync(sidecar.Endpoints.ProxyUri);
            await caller.SendAsync("POST /upload HTTP/1.1\r\nHost: orders\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nzz-not-a-size\r\n");
            var response = await caller.ReadResponseAsync();
            Assert.Equal(400, response.Status);
        }

        var state = await sidecar.ClusterStateAsync("backend");
        Assert.Equal(0, state.GetProperty("failures").GetInt64());
        Assert.Equal(10, state.GetProperty("callerErrors").GetInt64());
        Assert.Equal("Closed", state.GetProperty("breaker").GetString());
        Assert.Equal("from primary", await sidecar.Proxy.GetStringAsync("/orders"));
    }
}
