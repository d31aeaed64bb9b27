using System.Net;
using System.Text.Json;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Mesh.Heal.Sidecar.Tests.Integration.TestSidecar;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>A live edit of the <c>ReverseProxy</c> section is guarded like the <c>Resilience</c> one, and a reload that fails in any way is refused out loud.</summary>
[Collection(nameof(SidecarCollection))]
public class ProxyReloadTests
{
    private static string WithRoute(string address, object match, string cluster = "backend", object? extraRoute = null) => JsonSerializer.Serialize(new
    {
        Sidecar = new { Service = "orders" },
        ReverseProxy = new
        {
            Routes = extraRoute is null
                ? new Dictionary<string, object> { ["all"] = new { ClusterId = cluster, Match = match } }
                : new Dictionary<string, object> { ["all"] = new { ClusterId = cluster, Match = match }, ["other"] = extraRoute },
            Clusters = new { backend = Cluster(address) },
        },
        Resilience = new { },
    });

    public static TheoryData<string, string> BadChanges => new()
    {
        // case, the field the rejection must name
        { "route to a missing cluster", "ReverseProxy:Routes:all:ClusterId" },
        { "destination that is not a URL", "ReverseProxy:Clusters:backend:Destinations:d1:Address" },
        { "destination with another scheme", "ReverseProxy:Clusters:backend:Destinations:d1:Address" },
        { "duplicate route id", "duplicate key 'ReverseProxy:Routes:all" },
        { "path that is not a route pattern", "ReverseProxy:Routes:all:Match:Path" },
        { "route without a match", "ReverseProxy:Routes:other:Match" },
        { "order that is not a number", "ReverseProxy:Routes:other:Order" },
        { "address that is a list", "ReverseProxy:Clusters:backend:Destinations:d1:Address" },
        { "unknown load balancing policy", "ReverseProxy:Clusters:backend:LoadBalancingPolicy" },
        { "duration overflow in Resilience", "Resilience:Clusters:backend:Timeout" },
        { "timeout written as a list", "Resilience:Clusters:backend:Timeout" },
    };

    [Theory]
    [MemberData(nameof(BadChanges))]
    public async Task BadChange_IsRejectedNamingTheField_AndTheConfigInForceKeepsServing(string change, string field)
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithBody("ok"));
        var address = upstream.Address();
        var catchAll = new { Path = "{**rest}" };
        await using var sidecar = await StartAsync(WithRoute(address, catchAll));
        await using var traffic = new Traffic(sidecar.Proxy, "/anything", callers: 2);

        var bad = change switch
        {
            "route to a missing cluster" => WithRoute(address, catchAll, cluster: "nope"),
            "destination that is not a URL" => WithRoute("not a url", catchAll),
            "destination with another scheme" => WithRoute("ftp://127.0.0.1/", catchAll),
            "duplicate route id" => WithRoute(address, catchAll).Replace("\"Routes\":{", "\"Routes\":{\"ALL\":{\"ClusterId\":\"backend\",\"Match\":{\"Path\":\"/x\"}},", StringComparison.Ordinal),
            "path that is not a route pattern" => WithRoute(address, new { Path = "/{**a}/{b" }),
            "route without a match" => WithRoute(address, catchAll, extraRoute: new { ClusterId = "backend" }),
            "order that is not a number" => WithRoute(address, catchAll, extraRoute: new { ClusterId = "backend", Order = "first", Match = new { Path = "/x" } }),
            "address that is a list" => WithRoute(address, catchAll).Replace($"\"Address\":\"{address}\"", $"\"Address\":[\"{address}\"]", StringComparison.Ordinal),
            "unknown load balancing policy" => WithRoute(address, catchAll).Replace("\"Destinations\"", "\"LoadBalancingPolicy\":\"Fastest\",\"Destinations\"", StringComparison.Ordinal),
            "timeout written as a list" => WithRoute(address, catchAll).Replace("\"Resilience\":{}", "\"Resilience\":{\"Clusters\":{\"backend\":{\"Timeout\":[\"9s\"]}}}", StringComparison.Ordinal),
            _ => WithRoute(address, catchAll).Replace("\"Resilience\":{}", "\"Resilience\":{\"Clusters\":{\"backend\":{\"Timeout\":\"1e300s\"}}}", StringComparison.Ordinal),
        };
        Assert.NotEqual(WithRoute(address, catchAll), bad);
        await File.WriteAllTextAsync(sidecar.ConfigPath, bad);
        await Wait.UntilAsync(async () => (await sidecar.StateAsync()).GetProperty("policyRejections").GetInt64() == 1, $"the {change} is rejected");

        var state = await sidecar.StateAsync();
        var error = state.GetProperty("lastPolicyError").GetString()!;
        Assert.True(error.Contains(field, StringComparison.Ordinal), error);
        Assert.Equal(1, state.GetProperty("policyVersion").GetInt64());
        var destination = state.GetProperty("clusters").GetProperty("backend").GetProperty("destinations").GetProperty("d1");
        Assert.Equal(address, destination.GetProperty("address").GetString());
        Assert.Equal("ok", await sidecar.Proxy.GetStringAsync("/still/routed"));
        await traffic.StopAsync();
        Assert.NotEmpty(traffic.Results);
        Assert.All(traffic.Results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
    }
}
