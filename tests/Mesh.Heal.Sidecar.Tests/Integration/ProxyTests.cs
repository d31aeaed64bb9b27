using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Mesh.Heal.Sidecar.Tests.Integration.TestSidecar;

namespace Mesh.Heal.Sidecar.Tests.Integration;

[Collection(nameof(SidecarCollection))]
public class ProxyTests
{
    [Fact]
    public async Task Http11_Request_IsForwardedWithPathQueryAndBody()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().WithPath("/orders/42").WithParam("x", "1").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("x-upstream", "yes").WithBody("created"));
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(upstream.Address()) }));

        using var response = await sidecar.Proxy.PostAsync("/orders/42?x=1", new StringContent("{\"id\":42}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("created", await response.Content.ReadAsStringAsync());
        Assert.Equal("yes", response.Headers.GetValues("x-upstream").Single());
        Assert.False(response.Headers.Contains("x-meshheal-fallback"));
        var entry = Assert.Single(upstream.LogEntries);
        Assert.Equal("{\"id\":42}", entry.RequestMessage!.Body);
    }

    [Fact]
    public async Task Grpc_OverH2c_IsForwarded()
    {
        await using var grpcUpstream = await StartGrpcUpstreamAsync();
        var upstreamAddress = grpcUpstream.Urls.Single();
        var config = Config(new
        {
            backend = new
            {
                Destinations = new { d1 = new { Address = upstreamAddress } },
                HttpRequest = new { Version = "2", VersionPolicy = "RequestVersionExact" },
            },
        });
        await using var sidecar = await StartAsync(config, "--Sidecar:Http2ListenUrl=http://127.0.0.1:0");

        using var channel = GrpcChannel.ForAddress(sidecar.Endpoints.Http2ProxyUri!);
        var reply = await new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        var state = await sidecar.ClusterStateAsync("backend");
        Assert.Equal(1, state.GetProperty("requests").GetInt64());
        Assert.Equal(0, state.GetProperty("failures").GetInt64());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Grpc_ServerError_InStatusTrailerOrHeader_CountsAsAFailure(bool trailersOnly)
    {
        await using var grpcUpstream = await StartHttp2UpstreamAsync(app => app.MapPost("/grpc.health.v1.Health/Check", async context =>
        {
            context.Response.ContentType = "application/grpc";
            if (trailersOnly)
            {
                context.Response.Headers["grpc-status"] = "14";
                context.Response.Headers["grpc-message"] = "down";
                return;
            }

            await context.Response.StartAsync();
            context.Response.AppendTrailer("grpc-status", "13");
            context.Response.AppendTrailer("grpc-message", "boom");
        }));
        var config = Config(new
        {
            backend = new
            {
                Destinations = new { d1 = new { Address = grpcUpstream.Urls.Single() } },
                HttpRequest = new { Version = "2", VersionPolicy = "RequestVersionExact" },
            },
        });
        await using var sidecar = await StartAsync(config, "--Sidecar:Http2ListenUrl=http://127.0.0.1:0");

        using var channel = GrpcChannel.ForAddress(sidecar.Endpoints.Http2ProxyUri!);
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new HealthCheckRequest()));

        Assert.Equal(trailersOnly ? Grpc.Core.StatusCode.Unavailable : Grpc.Core.StatusCode.Internal, error.StatusCode);
        // The outcome is recorded once the forwarded response completes, which can be just after the caller read the trailers.
        await Wait.UntilAsync(
            async () => (await sidecar.ClusterStateAsync("backend")).GetProperty("failures").GetInt64() >= 1, "the failed call was counted");
        Assert.Equal(1, (await sidecar.ClusterStateAsync("backend")).GetProperty("failures").GetInt64());
    }

    [Fact]
    public async Task MalformedRequest_Gets400_AndTheProxyKeepsServing()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithBody("ok"));
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(upstream.Address()) }));

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, sidecar.Endpoints.ProxyUri.Port);
            var stream = client.GetStream();
            await stream.WriteAsync("GARBAGE\x01 / HTTP/9.9\r\nno-colon-header\r\n\r\n"u8.ToArray());
            var buffer = new byte[256];
            var read = await stream.ReadAsync(buffer);
            Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(buffer, 0, read));
        }

        Assert.Equal("ok", await sidecar.Proxy.GetStringAsync("/after"));
    }

    [Fact]
    public async Task Admin_HealthReadyState_AndUnknownPath()
    {
        using var upstream = Upstreams.Start();
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(upstream.Address()) }));

        Assert.Equal("ok\n", await sidecar.Admin.GetStringAsync("/healthz"));
        Assert.Equal("ready\n", await sidecar.Admin.GetStringAsync("/readyz"));
        using var missing = await sidecar.Admin.GetAsync("/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var post = await sidecar.Admin.PostAsync("/admin/state", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);

        var state = await sidecar.StateAsync();
        Assert.Equal("orders", state.GetProperty("service").GetString());
        Assert.Equal(1, state.GetProperty("policyVersion").GetInt64());
        var backend = state.GetProperty("clusters").GetProperty("backend");
        Assert.Equal("Healthy", backend.GetProperty("health").GetString());
        Assert.Equal("Closed", backend.GetProperty("breaker").GetString());
    }

    [Fact]
    public async Task Admin_PathsOnTheProxyPort_AreProxied()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().WithPath("/healthz")).RespondWith(Response.Create().WithBody("upstream health"));
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(upstream.Address()) }));

        Assert.Equal("upstream health", await sidecar.Proxy.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Metrics_ExposeRequestsFallbacksBreakerHealthAndPolicyVersion()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().WithPath("/ok")).RespondWith(Response.Create().WithBody("ok"));
        upstream.Given(Request.Create().WithPath("/bad")).RespondWith(Response.Create().WithStatusCode(500));
        var resilience = new { Clusters = new { backend = new { Fallback = new { Response = new { StatusCode = 200, Body = "cached" } } } } };
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(upstream.Address()) }, resilience));

        await sidecar.Proxy.GetStringAsync("/ok");
        Assert.Equal("cached", await sidecar.Proxy.GetStringAsync("/bad"));
        var metrics = await sidecar.Admin.GetStringAsync("/metrics");

        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"backend\",outcome=\"success\"} 1", metrics);
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"backend\",outcome=\"fallback\"} 1", metrics);
        Assert.Contains("meshheal_fallback_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"backend\",fallback=\"response\"} 1", metrics);
        Assert.Contains("meshheal_upstream_attempts_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"backend\",result=\"server_error\"} 1", metrics);
        Assert.Contains("meshheal_request_duration_seconds_bucket{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"backend\",outcome=\"success\",le=\"+Inf\"} 1", metrics);
        Assert.Contains("meshheal_breaker_state{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"backend\"} 0", metrics);
        Assert.Contains("meshheal_health_state{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"backend\"} 0", metrics);
        Assert.Contains("meshheal_policy_version{otel_scope_name=\"Mesh.Heal.Sidecar\"} 1", metrics);
    }

    [Fact]
    public async Task Metrics_ExposeAllocatedBytes_GrowingWithTraffic()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().WithPath("/ok")).RespondWith(Response.Create().WithBody("ok"));
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(upstream.Address()) }));

        var before = AllocatedBytes(await sidecar.Admin.GetStringAsync("/metrics"));

        // The exporter caches a scrape for a moment: scrape again until a fresh one shows the requests' allocations.
        var after = await Wait.UntilAsync(
            async () =>
            {
                await sidecar.Proxy.GetStringAsync("/ok");
                return AllocatedBytes(await sidecar.Admin.GetStringAsync("/metrics"));
            },
            allocated => allocated > before,
            $"a scrape shows more than the {before} bytes allocated before the requests",
            TimeSpan.FromSeconds(10));

        Assert.True(before > 0, $"allocated bytes before: {before}");
        Assert.True(after > before, $"allocated bytes did not grow: {before} then {after}");
    }

    private static long AllocatedBytes(string metrics)
    {
        const string Prefix = "meshheal_process_allocated_bytes_total{otel_scope_name=\"Mesh.Heal.Sidecar\"} ";
        var line = metrics.Split('\n').Single(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        return long.Parse(line[Prefix.Length..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task<WebApplication> StartGrpcUpstreamAsync() => StartHttp2UpstreamAsync(
        app => app.MapGrpcHealthChecksService(),
        services => services.AddGrpc().Services.AddGrpcHealthChecks(o => o.UseHealthChecksCache = false)
            .AddCheck("self", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy()));

    private static async Task<WebApplication> StartHttp2UpstreamAsync(Action<WebApplication> map, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        services?.Invoke(builder.Services);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }
}
