using Mesh.Heal.IntegrationTests.Support;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

[Collection(nameof(IntegrationCollection))]
public class PolicyPushTests
{
    private const string ForceOpen = """
        service: orders
        clusters:
          backend:
            fallback: { cluster: backup }
            override: forceOpen
        """;

    [Fact]
    public async Task PolicyChange_ReachesEverySidecar_AndChangesWhatCallersGet()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        await using var mesh = Support.Mesh.Start();
        for (var i = 1; i <= 3; i++)
        {
            await mesh.AddSidecarAsync(controlPlane, $"orders-{i}");
        }

        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).Count(s => s.Connected) == 3, "three sidecars are connected");
        foreach (var sidecar in mesh.Sidecars)
        {
            Assert.Equal(("primary", (string?)null), await Support.Mesh.GetAsync(sidecar));
        }

        var version = await controlPlane.PutPolicyAsync("orders", ForceOpen);

        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).All(s => s.AckedVersion == version), $"every sidecar ACKed version {version}");
        var primaryBefore = mesh.Primary.LogEntries.Count();
        foreach (var sidecar in mesh.Sidecars)
        {
            var state = await sidecar.StateAsync();
            Assert.Equal(version, state.GetProperty("policyVersion").GetInt64());
            Assert.Equal("ControlPlane", state.GetProperty("policySource").GetString());
            Assert.Equal("Isolated", state.GetProperty("clusters").GetProperty("backend").GetProperty("breaker").GetString());
            Assert.Equal(("backup", "backup"), await Support.Mesh.GetAsync(sidecar));
        }

        Assert.Equal(primaryBefore, mesh.Primary.LogEntries.Count());

        // Releasing the override sends traffic back to the primary on every sidecar.
        var released = await controlPlane.PutPolicyAsync("orders", ForceOpen.Replace("forceOpen", "none"));
        Assert.Equal(version + 1, released);
        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).All(s => s.AckedVersion == released), "every sidecar ACKed the release");
        foreach (var sidecar in mesh.Sidecars)
        {
            Assert.Equal(("primary", (string?)null), await Support.Mesh.GetAsync(sidecar));
        }
    }

    [Fact]
    public async Task SnapshotTheSidecarCannotApply_IsNacked_ShownInStatus_AndTheOldPolicyStays()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        await using var mesh = Support.Mesh.Start();
        var sidecar = await mesh.AddSidecarAsync(controlPlane, "orders-1");
        var good = await controlPlane.PutPolicyAsync("orders", ForceOpen.Replace("forceOpen", "forceFallback"));
        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).Single().AckedVersion == good, "the sidecar ACKed the good policy");

        // Valid on its own (the control plane cannot know the sidecar's clusters), but the sidecar has no cluster 'nowhere'.
        var bad = await controlPlane.PutPolicyAsync("orders", "service: orders\nclusters: { backend: { fallback: { cluster: nowhere } } }\n");

        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).Single().LastNack?.Version == bad, "the sidecar NACKed the bad policy");
        var status = (await Sidecars(controlPlane)).Single();
        Assert.Equal(good, status.AckedVersion);
        Assert.Contains("no cluster 'nowhere'", status.LastNack.Error);
        Assert.True(status.OutOfDate);
        var state = await sidecar.StateAsync();
        Assert.Equal(good, state.GetProperty("policyVersion").GetInt64());
        Assert.Equal(bad, state.GetProperty("controlPlane").GetProperty("lastNackVersion").GetInt64());
        Assert.Equal(("backup", "backup"), await Support.Mesh.GetAsync(sidecar));

        // The HTTP/JSON status shows the same NACK.
        var json = await controlPlane.Http.GetStringAsync("/v1/mesh/status");
        Assert.Contains("\"lastNack\"", json);
        Assert.Contains("nowhere", json);
    }

    [Fact]
    public async Task Pushes_AreCoalesced_AndSidecarsConvergeOnTheNewest()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        await using var mesh = Support.Mesh.Start();
        await mesh.AddSidecarAsync(controlPlane, "orders-1");
        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).Any(s => s.Connected), "the sidecar is connected");

        // Ten changes at once, as a script applying files would make them.
        var versions = await Task.WhenAll(Enumerable.Range(1, 10).Select(
            i => controlPlane.PutPolicyAsync("orders", $"service: orders\nclusters: {{ backend: {{ timeout: {i}s }} }}\n")));
        var last = versions.Max();
        Assert.Equal(10, versions.Distinct().Count());

        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).Single().AckedVersion == last, $"the sidecar ACKed version {last}");
        var answers = controlPlane.Store.AckHistory("orders", "orders-1");
        Assert.True(answers.Count < 10, $"10 changes in a burst were not coalesced: {answers.Count} snapshots were answered");
        Assert.All(answers, a => Assert.True(a.Ack));
    }

    [Fact]
    public async Task FirstPolicy_OfAServiceWithAConnectedSidecar_IsPushedOnItsOpenStream_NotAfterAReconnect()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        await using var mesh = Support.Mesh.Start();
        var sidecar = await mesh.AddSidecarAsync(controlPlane, "orders-1");
        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).Any(s => s.Connected), "the sidecar is connected");
        Assert.Null(controlPlane.Store.Policy("orders"));
        var before = (await sidecar.StateAsync()).GetProperty("controlPlane");
        Assert.Equal(1, before.GetProperty("connects").GetInt64());

        var version = await controlPlane.PutPolicyAsync("orders", ForceOpen);

        Assert.Equal(1, version);
        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).Single().AckedVersion == version, "the sidecar ACKed version 1");
        var after = await sidecar.StateAsync();
        Assert.Equal(version, after.GetProperty("policyVersion").GetInt64());
        Assert.Equal(1, after.GetProperty("controlPlane").GetProperty("connects").GetInt64());
        Assert.Null(after.GetProperty("controlPlane").GetProperty("lastError").GetString());
        Assert.Equal(("backup", "backup"), await Support.Mesh.GetAsync(sidecar));
    }

    [Fact]
    public async Task FirstPolicy_OfAServiceWithAnOpenStream_ArrivesOnThatStream_AndItsAckIsRecorded()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        using var call = await controlPlane.OpenPolicyStreamAsync(null, "orders", "orders-1");
        await call.ResponseHeadersAsync;
        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).Any(s => s.Connected), "the stream is registered");

        var version = await controlPlane.PutPolicyAsync("orders", ForceOpen);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        Assert.True(await call.ResponseStream.MoveNext(deadline.Token), "the control plane ended the stream instead of pushing version 1 on it");
        var snapshot = call.ResponseStream.Current;
        Assert.Equal(version, snapshot.Version);
        Assert.Equal("orders", snapshot.Service);
        await call.RequestStream.WriteAsync(new Wire.PolicyRequest { Version = snapshot.Version, ResponseNonce = snapshot.Nonce });
        await Wait.UntilAsync(async () => (await Sidecars(controlPlane)).Single().AckedVersion == version, "the ACK of version 1 is recorded");
        Assert.True((await Sidecars(controlPlane)).Single().Connected);
    }

    private static async Task<IReadOnlyList<Wire.SidecarStatus>> Sidecars(TestControlPlane controlPlane) =>
        (await controlPlane.Control.GetStatusAsync(new Wire.GetStatusRequest { Service = "orders" })).Services.SelectMany(s => s.Sidecars).ToList();
}
