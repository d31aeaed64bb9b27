using System.Text.Json;
using Mesh.Heal.Sidecar.Tests.Integration;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mesh.Heal.IntegrationTests.Support;

/// <summary>A primary and a backup upstream (WireMock.Net), and sidecars of service <c>orders</c> in front of them, steered by a control plane.</summary>
internal sealed class Mesh : IAsyncDisposable
{
    private readonly List<TestSidecar> _sidecars = [];

    private Mesh(WireMockServer primary, WireMockServer backup)
    {
        Primary = primary;
        Backup = backup;
    }

    public WireMockServer Primary { get; }

    public WireMockServer Backup { get; }

    public IReadOnlyList<TestSidecar> Sidecars => _sidecars;

    public static Mesh Start()
    {
        var primary = Upstreams.Start();
        primary.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithStatusCode(200).WithBody("primary"));
        var backup = Upstreams.Start();
        backup.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithStatusCode(200).WithBody("backup"));
        return new Mesh(primary, backup);
    }

    public string Config() => TestSidecar.Config(new { backend = TestSidecar.Cluster(Primary.Address()), backup = TestSidecar.Cluster(Backup.Address()) });

    /// <summary>Starts a sidecar named <paramref name="instance"/> that listens to <paramref name="controlPlane"/>.</summary>
    public async Task<TestSidecar> AddSidecarAsync(TestControlPlane controlPlane, string instance, string? token = null, string? stateDirectory = null)
    {
        string[] args =
        [
            "--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:Instance=" + instance, "--Sidecar:TelemetryInterval=00:00:00.2",
            .. token is null ? Array.Empty<string>() : ["--Sidecar:ControlPlaneToken=" + token],
            .. stateDirectory is null ? Array.Empty<string>() : ["--Sidecar:StateDirectory=" + stateDirectory],
        ];
        var sidecar = await TestSidecar.StartAsync(Config(), args);
        _sidecars.Add(sidecar);
        return sidecar;
    }

    public async Task RemoveSidecarAsync(TestSidecar sidecar)
    {
        _sidecars.Remove(sidecar);
        await sidecar.DisposeAsync();
    }

    /// <summary>Who answered a GET through <paramref name="sidecar"/>: <c>primary</c> or <c>backup</c>, and the fallback header.</summary>
    public static async Task<(string Body, string? Fallback)> GetAsync(TestSidecar sidecar)
    {
        using var response = await sidecar.Proxy.GetAsync("/orders/1");
        var body = await response.Content.ReadAsStringAsync();
        return (body, response.Headers.TryGetValues("x-meshheal-fallback", out var values) ? values.Single() : null);
    }

    public static async Task<JsonElement> ControlPlaneStateAsync(TestSidecar sidecar) => (await sidecar.StateAsync()).GetProperty("controlPlane");

    public async ValueTask DisposeAsync()
    {
        foreach (var sidecar in _sidecars)
        {
            await sidecar.DisposeAsync();
        }

        Primary.Stop();
        Backup.Stop();
    }
}
