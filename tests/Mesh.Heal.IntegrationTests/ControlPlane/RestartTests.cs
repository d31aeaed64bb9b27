using Mesh.Heal.IntegrationTests.Support;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

[Collection(nameof(IntegrationCollection))]
public class RestartTests
{
    private const string ForceFallback = """
        service: orders
        clusters:
          backend:
            fallback: { cluster: backup }
            override: forceFallback
        """;

    [Fact]
    public async Task ControlPlaneStoppedAndRestarted_SidecarsKeepEnforcing_Reconnect_AndResync()
    {
        var controlPlane = await TestControlPlane.StartAsync();
        await using var mesh = Support.Mesh.Start();
        var a = await mesh.AddSidecarAsync(controlPlane, "orders-a");
        var b = await mesh.AddSidecarAsync(controlPlane, "orders-b");
        var v1 = await controlPlane.PutPolicyAsync("orders", ForceFallback);
        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).Count(s => s.AckedVersion == v1) == 2, "both sidecars ACKed v1");

        await controlPlane.StopAsync();

        foreach (var sidecar in new[] { a, b })
        {
            await Wait.UntilAsync(
                async () => !(await Support.Mesh.ControlPlaneStateAsync(sidecar)).GetProperty("connected").GetBoolean(), "the sidecar saw the control plane go");
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(("backup", "backup"), await Support.Mesh.GetAsync(sidecar));
            }
        }

        await using var restarted = await controlPlane.RestartAsync();

        // The store kept the policy, the sidecars and the audit log; the sidecars come back by themselves.
        Assert.Equal(v1, (await restarted.Control.GetPolicyAsync(new Wire.GetPolicyRequest { Service = "orders" })).Version);
        Assert.Contains(restarted.Store.AuditLog("orders", 10), e => e.Kind == "policy.changed");
        await Wait.UntilAsync(
            async () => (await Sidecars(restarted)).Count(s => s.Connected && s.AckedVersion == v1) == 2, "both sidecars reconnected and resynced to v1",
            TimeSpan.FromSeconds(20));

        var v2 = await restarted.PutPolicyAsync("orders", ForceFallback.Replace("forceFallback", "none"));
        Assert.Equal(v1 + 1, v2);
        await Wait.UntilAsync(async () => (await Sidecars(restarted)).Count(s => s.AckedVersion == v2) == 2, "both sidecars ACKed v2");
        Assert.Equal(("primary", (string?)null), await Support.Mesh.GetAsync(a));
        Assert.Equal(("primary", (string?)null), await Support.Mesh.GetAsync(b));
    }

    [Fact]
    public async Task SidecarRestartedWhileControlPlaneIsAway_RunsOnTheLastAcceptedPolicy()
    {
        var state = Directory.CreateTempSubdirectory("meshheal-state-").FullName;
        var controlPlane = await TestControlPlane.StartAsync();
        await using var mesh = Support.Mesh.Start();
        var sidecar = await mesh.AddSidecarAsync(controlPlane, "orders-a", stateDirectory: state);
        var v1 = await controlPlane.PutPolicyAsync("orders", ForceFallback);
        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).Single().AckedVersion == v1, "the sidecar ACKed v1");
        await controlPlane.StopAsync();
        await mesh.RemoveSidecarAsync(sidecar);

        var restarted = await mesh.AddSidecarAsync(controlPlane, "orders-a", stateDirectory: state);

        var snapshot = await restarted.StateAsync();
        Assert.Equal(v1, snapshot.GetProperty("policyVersion").GetInt64());
        Assert.Equal("LastKnownGood", snapshot.GetProperty("policySource").GetString());
        Assert.Equal(("backup", "backup"), await Support.Mesh.GetAsync(restarted));
    }

    private static async Task<IReadOnlyList<Wire.SidecarStatus>> Sidecars(TestControlPlane controlPlane) =>
        (await controlPlane.Control.GetStatusAsync(new Wire.GetStatusRequest { Service = "orders" })).Services.SelectMany(s => s.Sidecars).ToList();
}
