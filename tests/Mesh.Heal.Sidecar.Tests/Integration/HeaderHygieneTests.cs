using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Mesh.Heal.Sidecar.Tests.Integration.TestSidecar;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>Hop-by-hop and internal headers are stripped both ways; only the sidecar sets <c>x-meshheal-*</c>.</summary>
[Collection(nameof(SidecarCollection))]
public class HeaderHygieneTests
{
    [Fact]
    public async Task Request_HeadersNamedInConnectionAndTrailer_AndInternalHeaders_AreNotForwarded()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithBody("ok"));
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(upstream.Address()) }));

        using var caller = await RawCaller.ConnectAsync(sidecar.Endpoints.ProxyUri);
        await caller.SendAsync(
            "GET /h HTTP/1.1\r\nHost: orders\r\nConnection: X-Secret, X-Forwarded-For\r\nX-Secret: s\r\n"
            + "Trailer: X-Trail\r\nX-Trail: t\r\nX-MeshHeal-Fallback: fake\r\nx-meshheal-breaker: open\r\nX-Kept: k\r\n\r\n");
        var response = await caller.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        var received = Assert.Single(upstream.LogEntries).RequestMessage!.Headers!;
        Assert.Equal("k", received["X-Kept"].Single());
        Assert.True(received.ContainsKey("X-Forwarded-For"), "naming X-Forwarded-For in Connection removed what the sidecar adds");
        Assert.DoesNotContain(received.Keys, k => k.Equals("X-Secret", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(received.Keys, k => k.Equals("X-Trail", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(received.Keys, k => k.Equals("Trailer", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(received.Keys, k => k.StartsWith("x-meshheal-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Response_UpstreamCannotFakeTheFallbackHeader_NorPassHeadersNamedInItsConnection()
    {
        using var upstream = RawUpstream.Answering(
            "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: keep-alive, X-Upstream-Hop\r\nX-Upstream-Hop: secret\r\n"
            + "x-meshheal-fallback: response\r\nX-MeshHeal-Breaker: open\r\nX-Other: kept\r\n\r\nprimary");
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(upstream.Address) }));

        using var response = await sidecar.Proxy.GetAsync("/h");

        Assert.Equal("primary", await response.Content.ReadAsStringAsync());
        Assert.Equal("kept", response.Headers.GetValues("X-Other").Single());
        Assert.False(response.Headers.Contains("X-Upstream-Hop"), "a header the upstream named in Connection was forwarded");
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("x-meshheal-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Response_FromTheFallbackCluster_CarriesOnlyTheSidecarsFallbackHeader()
    {
        using var primary = Upstreams.Start();
        primary.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithStatusCode(500));
        using var backup = Upstreams.Start();
        backup.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create()
            .WithHeader("x-meshheal-fallback", "fake").WithHeader("x-meshheal-breaker", "open").WithBody("from backup"));
        await using var sidecar = await StartAsync(Config(
            new { backend = Cluster(primary.Address()), backup = Cluster(backup.Address()) },
            new { Clusters = new { backend = new { Retry = new { MaxAttempts = 1 }, Fallback = new { Cluster = "backup" } } } }));

        using var response = await sidecar.Proxy.GetAsync("/h");

        Assert.Equal("from backup", await response.Content.ReadAsStringAsync());
        Assert.Equal("backup", Assert.Single(response.Headers.GetValues("x-meshheal-fallback")));
        Assert.False(response.Headers.Contains("x-meshheal-breaker"));
    }
}
