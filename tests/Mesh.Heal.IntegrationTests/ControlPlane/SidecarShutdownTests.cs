using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.Sidecar.Tests.Integration;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

[Collection(nameof(IntegrationCollection))]
public class SidecarShutdownTests
{
    [Fact]
    public async Task SidecarStopping_EndsItsStreams_WithoutAWarningOrAReconnect()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        await using var mesh = Support.Mesh.Start();
        // Debug for the sidecar's own categories: the telemetry stream's "reconnecting" is a Debug line.
        await using var sidecar = await TestSidecar.StartAsync(
            mesh.Config(),
            "--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:Instance=orders-stop", "--Sidecar:TelemetryInterval=00:00:00.2",
            "--Logging:LogLevel:Mesh.Heal.Sidecar=Debug");
        // The stream's own "open" line, in the category a warning would have, shows the log is there to read.
        await Wait.UntilAsync(
            () => Task.FromResult(controlPlane.Store.Sidecars("orders").Any(s => s.Connected)
                && sidecar.LogLines.Any(l => l.StartsWith("info: Mesh.Heal.Sidecar.PolicySync.Internal.PolicySyncClient[150]", StringComparison.Ordinal))),
            "the sidecar's policy stream is open, and the sidecar logged it");

        Assert.True(await sidecar.StopAsync(), "the sidecar stopped within its grace period");

        var log = sidecar.LogLines;
        Assert.DoesNotContain(log, l => (l.StartsWith("warn: ", StringComparison.Ordinal) || l.StartsWith("fail: ", StringComparison.Ordinal)
            || l.StartsWith("crit: ", StringComparison.Ordinal)) && l.Contains("PolicySync", StringComparison.Ordinal));
        Assert.DoesNotContain(log, l => l.Contains("reconnecting", StringComparison.OrdinalIgnoreCase));
    }
}
