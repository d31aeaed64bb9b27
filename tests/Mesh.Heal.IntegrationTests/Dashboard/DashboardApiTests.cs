using System.Net.Http.Headers;
using System.Text.Json;
using Mesh.Heal.IntegrationTests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Mesh.Heal.IntegrationTests.Dashboard;

/// <summary>The dashboard's API on a real control plane, sidecar and upstream on 127.0.0.1: the graph's edge from the sidecar's
/// telemetry, its success rate falling when the upstream fails, and the event stream carrying it.</summary>
[Collection(nameof(IntegrationCollection))]
public class DashboardApiTests
{
    [Fact]
    public async Task Topology_UpstreamFails_TheEdgeSuccessRateFalls_AndTheEventStreamSendsIt()
    {
        await using var controlPlane = await TestControlPlane.StartAsync("--ControlPlane:Dashboard:RefreshInterval=00:00:00.2");
        await using var mesh = Support.Mesh.Start();
        var sidecar = await mesh.AddSidecarAsync(controlPlane, "orders-1");
        for (var i = 0; i < 20; i++)
        {
            await Support.Mesh.GetAsync(sidecar);
        }

        var healthy = await Wait.UntilAsync(
            () => EdgeAsync(controlPlane),
            e => e is { } edge && edge.GetProperty("metrics").GetProperty("requests").GetInt64() >= 20,
            "GET /v1/topology shows the orders -> backend edge with the 20 requests");
        Assert.Equal(1.0, healthy!.Value.GetProperty("metrics").GetProperty("successRate").GetDouble());
        Assert.Equal(1.0, healthy.Value.GetProperty("metrics").GetProperty("callerSuccessRate").GetDouble());
        Assert.Equal("HEALTH_STATE_HEALTHY", healthy.Value.GetProperty("health").GetString());
        Assert.Contains(
            (await TopologyAsync(controlPlane)).GetProperty("nodes").EnumerateArray(),
            n => n.GetProperty("name").GetString() == "orders" && n.GetProperty("sidecars").GetInt32() == 1);

        using var events = await controlPlane.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/events"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());

        mesh.Primary.ResetMappings();
        mesh.Primary.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithStatusCode(500));
        for (var i = 0; i < 20; i++)
        {
            await Support.Mesh.GetAsync(sidecar);
        }

        var failing = await Wait.UntilAsync(
            () => EdgeAsync(controlPlane),
            e => e is { } edge && edge.GetProperty("metrics").TryGetProperty("successRate", out var rate) && rate.GetDouble() <= 0.6,
            "GET /v1/topology shows the edge's success rate fall with the upstream's 500s");
        Assert.True(failing!.Value.GetProperty("metrics").GetProperty("requests").GetInt64() >= 40);
        Assert.True(failing.Value.GetProperty("metrics").GetProperty("callerSuccessRate").GetDouble() < 1);

        // The stream, open since before the failure, sends the graph again once it changed.
        using var deadline = new CancellationTokenSource(Wait.DefaultDeadline);
        string? kind = null;
        while (true)
        {
            var line = await reader.ReadLineAsync(deadline.Token) ?? throw new EndOfStreamException("the event stream ended");
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                kind = line["event: ".Length..];
            }
            else if (kind == "topology" && line.StartsWith("data: ", StringComparison.Ordinal)
                && Edge(JsonDocument.Parse(line["data: ".Length..]).RootElement) is { } streamed
                && streamed.GetProperty("metrics").TryGetProperty("successRate", out var rate) && rate.GetDouble() <= 0.6)
            {
                break;
            }
        }
    }

    private static async Task<JsonElement> TopologyAsync(TestControlPlane controlPlane)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/topology");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await controlPlane.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<JsonElement?> EdgeAsync(TestControlPlane controlPlane) => Edge(await TopologyAsync(controlPlane));

    private static JsonElement? Edge(JsonElement topology) =>
        topology.GetProperty("edges").EnumerateArray()
            .Where(e => e.GetProperty("caller").GetString() == "orders" && e.GetProperty("callee").GetString() == "backend")
            .Select(e => (JsonElement?)e)
            .FirstOrDefault();
}
