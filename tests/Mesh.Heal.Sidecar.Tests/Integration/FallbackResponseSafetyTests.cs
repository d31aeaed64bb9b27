using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Mesh.Heal.Sidecar.Tests.Integration.TestSidecar;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>A static fallback is written safely whatever its configuration: the next response on the connection stays intact.</summary>
/// <remarks>The policy is put in force directly, past the validator, as one from an older control plane or a stale state file would be.</remarks>
[Collection(nameof(SidecarCollection))]
public class FallbackResponseSafetyTests
{
    public static TheoryData<string, int, string, int, string> Unservable => new()
    {
        // name, configured status, header name, header value, expected status, expected body
        { "CR/LF in a header value", 200, "x-note", 200, "static" },
        { "non-ASCII header value", 200, "x-café", 200, "static" },
        { "Content-Length not the body's", 200, "Content-Length", 200, "static" },
        { "Transfer-Encoding chunked", 200, "Transfer-Encoding", 200, "static" },
        { "status 101", 101, "x-note", 503, "static" },
        { "204 with a body", 204, "x-note", 204, string.Empty },
        { "Connection: close", 200, "Connection", 200, "static" },
        { "fake internal header", 200, "x-meshheal-breaker", 200, "static" },
        { "header name with a space", 200, "bad name", 200, "static" },
    };

    [InProcessTheory("puts a policy in force past the validator through the in-process ClusterResilienceRegistry; the admin API, the config file and the control plane all validate it first")]
    [MemberData(nameof(Unservable))]
    public async Task UnservableStaticFallback_IsWrittenWithTheSidecarsFraming_AndTheNextResponseOnTheConnectionIsIntact(
        string name, int status, string header, int expectedStatus, string expectedBody)
    {
        var headerValue = name switch
        {
            "CR/LF in a header value" => "v\r\nX-Injected: 1",
            "non-ASCII header value" => "crème",
            "Content-Length not the body's" => "999",
            "Transfer-Encoding chunked" => "chunked",
            "Connection: close" => "close",
            _ => "fake",
        };
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithStatusCode(500));
        var valid = new { Clusters = new { backend = new { Retry = new { MaxAttempts = 1 }, Fallback = new { Response = new { StatusCode = 200, Body = "static" } } } } };
        await using var sidecar = await StartAsync(Config(new { backend = Cluster(upstream.Address()) }, valid));
        var registry = sidecar.Services.GetRequiredService<ClusterResilienceRegistry>();
        var current = registry.Policy;
        var bad = new FallbackResponse
        {
            StatusCode = status,
            Body = "static",
            ContentType = name == "CR/LF in a header value" ? "text/plain\r\nX-Injected: 2" : "text/plain",
            Headers = new Dictionary<string, string> { [header] = headerValue, ["x-kept"] = "yes" },
        };
        registry.Apply(current with
        {
            Version = current.Version + 1,
            Clusters = new Dictionary<string, ClusterPolicy>
            {
                ["backend"] = current.ForCluster("backend") with { Fallback = new FallbackPolicy { Response = bad } },
            },
        });

        using var caller = await RawCaller.ConnectAsync(sidecar.Endpoints.ProxyUri);
        for (var i = 0; i < 2; i++)
        {
            await caller.SendAsync("GET /orders HTTP/1.1\r\nHost: orders\r\n\r\n");
            var response = await caller.ReadResponseAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(expectedStatus, response.Status);
            Assert.Equal(expectedBody, response.Body);
            Assert.Equal("response", response.Header("x-meshheal-fallback"));
            Assert.Equal("yes", response.Header("x-kept"));
            Assert.Null(response.Header("X-Injected"));
            Assert.Null(response.Header("Transfer-Encoding"));
            Assert.Null(response.Header("x-meshheal-breaker"));
            Assert.NotEqual("close", response.Header("Connection"));
        }
    }
}
