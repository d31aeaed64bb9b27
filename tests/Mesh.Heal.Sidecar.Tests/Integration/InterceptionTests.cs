using System.Net;
using System.Text.Json;
using Mesh.Heal.Sidecar.Configuration;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static Mesh.Heal.Sidecar.Tests.Integration.TestSidecar;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>Host routing of intercepted traffic (<c>Sidecar:Interception:Enabled</c>) and the inbound listener, on loopback.</summary>
/// <remarks>The redirected-connection half (SO_ORIGINAL_DST, pass-through) needs iptables in a network namespace:
/// Mesh.Heal.IntegrationTests' Network/InterceptionTests.</remarks>
[Collection(nameof(SidecarCollection))]
public class InterceptionTests
{
    private const string Interception = "--Sidecar:Interception:Enabled=true";

    private static WireMockServer Upstream(string body)
    {
        var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithBody(body));
        return upstream;
    }

    private static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(TestSidecar sidecar, string path, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        var response = await sidecar.Proxy.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("orders:8080")]
    [InlineData("orders.shop")]
    [InlineData("orders.shop.svc")]
    [InlineData("orders.shop.svc.cluster.local:8080")]
    public async Task HostNamingACluster_GoesToThatCluster_BeforeTheConfiguredRoutes(string host)
    {
        using var backend = Upstream("from backend");
        using var orders = Upstream("from orders");
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(backend.Address()), orders = Cluster(orders.Address()) }), Interception);

        var (status, body, response) = await GetAsync(sidecar, "/api/orders/7?x=1", host);
        response.Dispose();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("from orders", body);
        var entry = Assert.Single(orders.LogEntries);
        Assert.Equal("/api/orders/7?x=1", new Uri(entry.RequestMessage!.AbsoluteUrl).PathAndQuery);
        Assert.Empty(backend.LogEntries);
        Assert.Equal(1, (await sidecar.ClusterStateAsync("orders")).GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task ExplicitCall_KeepsTheConfiguredRoutes()
    {
        using var backend = Upstream("from backend");
        using var orders = Upstream("from orders");
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(backend.Address()), orders = Cluster(orders.Address()) }), Interception);

        var (_, explicitBody, r1) = await GetAsync(sidecar, "/orders");
        var (_, unknownHostBody, r2) = await GetAsync(sidecar, "/orders", "payments:8080");
        r1.Dispose();
        r2.Dispose();

        Assert.Equal("from backend", explicitBody);
        Assert.Equal("from backend", unknownHostBody);
        Assert.Empty(orders.LogEntries);
    }

    [Fact]
    public async Task InterceptionOff_HostIsNotRouted()
    {
        using var backend = Upstream("from backend");
        using var orders = Upstream("from orders");
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(backend.Address()), orders = Cluster(orders.Address()) }));

        var (_, body, response) = await GetAsync(sidecar, "/", "orders:8080");
        response.Dispose();

        Assert.Equal("from backend", body);
        Assert.Empty(orders.LogEntries);
    }

    [Fact]
    public async Task NoRouteAndNoCluster_OnAnExplicitConnection_KeepsTodaysAnswer()
    {
        using var orders = Upstream("from orders");
        var config = JsonSerializer.Serialize(new
        {
            Sidecar = new { Service = "web" },
            ReverseProxy = new
            {
                Routes = new Dictionary<string, object> { ["orders"] = new { ClusterId = "orders", Match = new { Path = "/orders/{**rest}" } } },
                Clusters = new { orders = Cluster(orders.Address()) },
            },
        });
        await using var sidecar = await StartAsync(config, Interception);

        var (status, _, response) = await GetAsync(sidecar, "/elsewhere", "payments:8080");
        response.Dispose();

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Empty(orders.LogEntries);
    }

    [Fact]
    public async Task HostRoutedCluster_KeepsItsBreakerAndFallback()
    {
        using var orders = Upstreams.Start();
        orders.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithStatusCode(500).WithBody("boom"));
        using var backend = Upstream("from backend");
        var resilience = new
        {
            Clusters = new
            {
                orders = new
                {
                    CircuitBreaker = new { FailureRatio = 0.5, MinimumThroughput = 3, SamplingDuration = "00:00:30", BreakDuration = "00:01:00" },
                    Retry = new { MaxAttempts = 1 },
                    Fallback = new { Response = new { StatusCode = 200, Body = "cached orders" } },
                },
            },
        };
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(backend.Address()), orders = Cluster(orders.Address()) }, resilience), Interception);

        for (var i = 0; i < 3; i++)
        {
            var (status, body, response) = await GetAsync(sidecar, "/list", "orders.shop.svc.cluster.local:8080");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("cached orders", body);
            Assert.Equal("response", response.Headers.GetValues("x-meshheal-fallback").Single());
            response.Dispose();
        }

        var state = await sidecar.ClusterStateAsync("orders");
        Assert.Equal("Open", state.GetProperty("breaker").GetString());
        var sent = orders.LogEntries.Count();
        var (_, afterOpen, last) = await GetAsync(sidecar, "/list", "orders");
        last.Dispose();
        Assert.Equal("cached orders", afterOpen);
        Assert.Equal(sent, orders.LogEntries.Count()); // the open breaker kept the request from the upstream
        Assert.Empty(backend.LogEntries);
        var metrics = await sidecar.Admin.GetStringAsync("/metrics");
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"orders\",outcome=\"fallback\"} 4", metrics);
    }

    [Fact]
    public async Task HostRoutes_FollowAProxyReload()
    {
        using var backend = Upstream("from backend");
        using var orders = Upstream("from orders");
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(backend.Address()) }), Interception);
        var (_, before, r1) = await GetAsync(sidecar, "/", "orders");
        r1.Dispose();
        Assert.Equal("from backend", before);

        await File.WriteAllTextAsync(sidecar.ConfigPath, Config(new { backend = Cluster(backend.Address()), orders = Cluster(orders.Address()) }));

        await Wait.UntilAsync(
            async () =>
            {
                var (_, body, response) = await GetAsync(sidecar, "/", "orders");
                response.Dispose();
                return body == "from orders";
            },
            "a Host route to the cluster added by the reload",
            TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Inbound_IsForwardedToTheApplication_WithPathQueryBodyAndHost()
    {
        using var app = Upstreams.Start();
        app.Given(Request.Create().WithPath("/pay").UsingPost()).RespondWith(Response.Create().WithStatusCode(201).WithBody("paid"));
        using var backend = Upstream("from backend");
        await using var sidecar = await StartAsync(
            Config(new { backend = Cluster(backend.Address()) }), "--Sidecar:InboundListenUrl=http://127.0.0.1:0", $"--Sidecar:InboundTarget={app.Address()}");
        Assert.NotNull(sidecar.Endpoints.InboundUri);
        using var client = new HttpClient { BaseAddress = sidecar.Endpoints.InboundUri };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pay?id=3") { Content = new StringContent("{\"amount\":5}") };
        request.Headers.Host = "payments:8080";

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("paid", await response.Content.ReadAsStringAsync());
        var entry = Assert.Single(app.LogEntries);
        Assert.Equal("/pay?id=3", new Uri(entry.RequestMessage!.AbsoluteUrl).PathAndQuery);
        Assert.Equal("{\"amount\":5}", entry.RequestMessage.Body);
        Assert.Equal("payments:8080", entry.RequestMessage.Headers!["Host"].Single());
        Assert.Empty(backend.LogEntries);
        var metrics = await sidecar.Admin.GetStringAsync("/metrics");
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"inbound\",outcome=\"success\"} 1", metrics);
    }

    [Fact]
    public async Task Inbound_ApplicationDown_Is502_CountedAsFailure()
    {
        using var backend = Upstream("from backend");
        var closed = ClosedPortAddress();
        await using var sidecar = await StartAsync(
            Config(new { backend = Cluster(backend.Address()) }), "--Sidecar:InboundListenUrl=http://127.0.0.1:0", $"--Sidecar:InboundTarget={closed}");
        using var client = new HttpClient { BaseAddress = sidecar.Endpoints.InboundUri };

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var metrics = await sidecar.Admin.GetStringAsync("/metrics");
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"inbound\",outcome=\"failure\"} 1", metrics);
    }

    private static string ClosedPortAddress()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return $"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}";
    }

    [Theory]
    [InlineData("--Sidecar:Interception:Enabled=yes", "Sidecar:Interception:Enabled")]
    [InlineData("--Sidecar:InboundListenUrl=http://127.0.0.1:0", "Sidecar:InboundTarget")]
    [InlineData("--Sidecar:InboundTarget=http://127.0.0.1:8080", "Sidecar:InboundListenUrl")]
    [InlineData("--Sidecar:InboundListenUrl=127.0.0.1:15006", "Sidecar:InboundListenUrl")]
    public async Task BadInterceptionSetting_StopsStartUp_NamingIt(string argument, string field)
    {
        var extra = field == "Sidecar:InboundListenUrl" && argument.Contains("InboundListenUrl", StringComparison.Ordinal)
            ? new[] { argument, "--Sidecar:InboundTarget=http://127.0.0.1:8080" }
            : [argument];

        var ex = await Assert.ThrowsAsync<SidecarConfigurationException>(() => StartAsync(Config(new { backend = Cluster("http://127.0.0.1:1/") }), extra));

        Assert.Contains(field + ": ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("accepted: ", ex.Message, StringComparison.Ordinal);
    }
}
