using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Mesh.Heal.Chaos;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>
/// A sidecar given several control-plane addresses (<c>Sidecar:ControlPlaneUrl</c> as a comma-separated list), against
/// real control-plane processes on 127.0.0.1, each with its own store: when its control plane dies it moves to the next
/// address at once (no backoff wait: the move is logged with a wait of 0 ms), keeps serving with the policy in force
/// meanwhile, and takes the new control plane's version.
/// </summary>
[Collection(nameof(SidecarCollection))]
public sealed class ControlPlaneFailoverTests : IAsyncDisposable
{
    private const string ForceFallback = """
        service: orders
        clusters:
          backend:
            fallback: { cluster: backup }
            override: forceFallback
        """;

    private readonly WireMockServer _primary = Upstream("primary");
    private readonly WireMockServer _backup = Upstream("backup");
    private readonly List<IAsyncDisposable> _owned = [];

    [Fact]
    public async Task FirstControlPlaneKilled_TheSidecarMovesToTheSecondAtOnce_KeepsServing_AndAcksTheSecondsVersion()
    {
        var first = await ControlPlaneAsync();
        var second = await ControlPlaneAsync();
        var v1 = await first.PutPolicyAsync("orders", ForceFallback);
        await second.PutPolicyAsync("orders", ForceFallback.Replace("forceFallback", "none", StringComparison.Ordinal));
        var v2 = await second.PutPolicyAsync("orders", ForceFallback + "\n    timeout: 3s\n");
        var sidecar = await SidecarAsync($"{first.GrpcUri}, {second.GrpcUri}");
        await Wait.UntilAsync(
            async () => await ControlPlaneStateAsync(sidecar) is var s && Is(s, "address", first.GrpcUri) && s.GetProperty("lastAckVersion").GetInt64() == v1,
            "the sidecar is on the first control plane and ACKed its version");
        Assert.Equal(("backup", "backup"), await GetAsync(sidecar));

        await using (var traffic = new Traffic(sidecar.Proxy, "/orders/1"))
        {
            await first.KillAsync();
            await Wait.UntilAsync(
                async () => await ControlPlaneStateAsync(sidecar) is var s && Is(s, "address", second.GrpcUri) && s.GetProperty("connected").GetBoolean()
                    && s.GetProperty("lastAckVersion").GetInt64() == v2,
                "the sidecar moved to the second control plane and ACKed its version");
            await Wait.UntilAsync(
                async () => Is(await ControlPlaneStateAsync(sidecar), "telemetryAddress", second.GrpcUri), "the telemetry stream moved to the second control plane");
            await traffic.StopAsync();
            Assert.True(traffic.Results.Count > 10, $"only {traffic.Results.Count} requests ran during the failover");
            Assert.All(traffic.Results, r => Assert.Equal((HttpStatusCode.OK, "backup"), r));
        }

        // No backoff between the dead control plane and the live one; and the live one sees the sidecar's ACK.
        Assert.Contains(sidecar.LogLines, l => l.Contains($"reconnecting to {second.GrpcUri} in 0 ms", StringComparison.Ordinal));
        Assert.Equal(v2, (await sidecar.StateAsync()).GetProperty("policyVersion").GetInt64());
        await Wait.UntilAsync(
            async () => AckedVersions(await second.StatusAsync()).Contains(v2), "the second control plane records the sidecar's ACK of its version");
    }

    [Fact]
    public async Task FirstAddressDownAtStart_IsSkipped_WithoutAWait()
    {
        var second = await ControlPlaneAsync();
        var v1 = await second.PutPolicyAsync("orders", ForceFallback);

        var sidecar = await SidecarAsync($"http://127.0.0.1:{ClosedPort()},{second.GrpcUri}");

        await Wait.UntilAsync(
            async () => await ControlPlaneStateAsync(sidecar) is var s && Is(s, "address", second.GrpcUri) && s.GetProperty("lastAckVersion").GetInt64() == v1,
            "the sidecar skipped the dead address and ACKed the second's version");
        Assert.Contains(sidecar.LogLines, l => l.Contains($"reconnecting to {second.GrpcUri} in 0 ms", StringComparison.Ordinal));
        Assert.Equal(("backup", "backup"), await GetAsync(sidecar));

        // The exporter caches a scrape for a moment: scrape until a fresh one shows the address.
        var connected = $"meshheal_controlplane_connected{{otel_scope_name=\"Mesh.Heal.Sidecar\",address=\"{second.GrpcUri}\"}} 1";
        await Wait.UntilAsync(
            async () => (await sidecar.Admin.GetStringAsync("/metrics")).Contains(connected, StringComparison.Ordinal), "the metrics say which address the sidecar is on");
    }

    [Fact]
    public async Task AHostName_IsResolvedByTheSidecar_AndTheAddressBehindItIsReported()
    {
        var controlPlane = await ControlPlaneAsync();
        var v1 = await controlPlane.PutPolicyAsync("orders", ForceFallback);
        var byName = $"http://localhost:{controlPlane.GrpcUri.Port}";

        var sidecar = await SidecarAsync(byName);

        // The control plane listens on 127.0.0.1 only: whatever else localhost resolves to is skipped.
        var state = await Wait.UntilAsync(
            () => ControlPlaneStateAsync(sidecar), s => s.GetProperty("lastAckVersion").GetInt64() == v1, "the sidecar ACKed the version through the name");
        Assert.Equal(byName, state.GetProperty("address").GetString());
        Assert.Equal($"127.0.0.1:{controlPlane.GrpcUri.Port}", state.GetProperty("endpoint").GetString());
    }

    [Fact]
    public async Task OneAddress_ReconnectsToItAfterTheBackoff_AsBefore()
    {
        var only = await ControlPlaneAsync();
        var v1 = await only.PutPolicyAsync("orders", ForceFallback);
        var sidecar = await SidecarAsync(only.GrpcUri.ToString());
        await Wait.UntilAsync(
            async () => await ControlPlaneStateAsync(sidecar) is var s && Is(s, "address", only.GrpcUri) && s.GetProperty("lastAckVersion").GetInt64() == v1,
            "the sidecar ACKed the control plane's version");

        await only.KillAsync();

        await Wait.UntilAsync(
            () => sidecar.LogLines.Any(l => l.Contains($"reconnecting to {only.GrpcUri} in ", StringComparison.Ordinal)), "the sidecar reconnects to its one address");
        Assert.DoesNotContain(sidecar.LogLines, l => l.Contains(" in 0 ms", StringComparison.Ordinal));
        Assert.Equal(("backup", "backup"), await GetAsync(sidecar));
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        _primary.Stop();
        _backup.Stop();
    }

    private static WireMockServer Upstream(string body)
    {
        var server = Upstreams.Start();
        server.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithStatusCode(200).WithBody(body));
        return server;
    }

    private async Task<ControlPlaneProcess> ControlPlaneAsync()
    {
        var controlPlane = await ControlPlaneProcess.StartAsync(Directory.CreateTempSubdirectory("meshheal-cp-").FullName);
        _owned.Add(controlPlane);
        return controlPlane;
    }

    private async Task<TestSidecar> SidecarAsync(string controlPlaneUrl)
    {
        var sidecar = await TestSidecar.StartAsync(
            TestSidecar.Config(new { backend = TestSidecar.Cluster(_primary.Address()), backup = TestSidecar.Cluster(_backup.Address()) }),
            "--Sidecar:ControlPlaneUrl=" + controlPlaneUrl, "--Sidecar:Instance=orders-failover", "--Sidecar:TelemetryInterval=00:00:00.2");
        _owned.Add(sidecar);
        return sidecar;
    }

    private static async Task<JsonElement> ControlPlaneStateAsync(TestSidecar sidecar) => (await sidecar.StateAsync()).GetProperty("controlPlane");

    private static bool Is(JsonElement state, string property, Uri address) => state.GetProperty(property).GetString() == address.ToString();

    private static async Task<(string Body, string? Fallback)> GetAsync(TestSidecar sidecar)
    {
        using var response = await sidecar.Proxy.GetAsync("/orders/1");
        return (await response.Content.ReadAsStringAsync(), response.Headers.TryGetValues("x-meshheal-fallback", out var values) ? values.Single() : null);
    }

    /// <summary>The versions the control plane's sidecars have ACKed, from <c>/v1/mesh/status</c>.</summary>
    private static List<long> AckedVersions(JsonElement status) =>
        [.. status.GetProperty("services").EnumerateArray().SelectMany(s => s.TryGetProperty("sidecars", out var sidecars) ? sidecars.EnumerateArray() : [])
            .Select(s => s.TryGetProperty("ackedVersion", out var v) ? long.Parse(v.ToString(), System.Globalization.CultureInfo.InvariantCulture) : 0)];

    /// <summary>A port on 127.0.0.1 with nothing listening: bound by the OS, then released.</summary>
    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
