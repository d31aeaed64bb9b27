using System.Globalization;
using Mesh.Heal.Chaos;
using Xunit.Abstractions;

namespace Mesh.Heal.IntegrationTests.Chaos;

/// <summary>The HA mode under chaos, on real processes: three control-plane replicas on one PostgreSQL, six sidecars of
/// orders spread over them with callers through them, and a policy write every 200 ms to the replicas in turn; then the
/// leader is killed with SIGKILL, a follower is killed, and PostgreSQL is restarted.</summary>
/// <remarks>
/// Promises checked at the end: every acknowledged write is in the store with its document and versions only grew; every
/// sidecar applied, and the control plane recorded the ACK of, the newest version; no caller request through orders'
/// sidecars failed (the data plane never depends on the control plane). Checkout's upstream is made to fail after the
/// leader's kill, for the new leader to heal; its callers are counted apart, since what they get depends on that fault.
/// </remarks>
[Collection(nameof(Support.IntegrationCollection))]
public class ReplicatedControlPlaneTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Phase = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Flow_LeaderKilled_FollowerKilled_PostgresRestarted_NothingAcknowledgedLost_NoCallerFailed()
    {
        await using var mesh = await ReplicatedMesh.StartAsync(replicas: 3, sidecars: 6, Scenarios.HealingArgs);
        var callers = mesh.StartTraffic(rate: 25, callerDeadline: TimeSpan.FromSeconds(5));
        await using var writes = mesh.StartWrites(TimeSpan.FromMilliseconds(200));
        await Wait.UntilAsync(() => writes.Acknowledged.Count >= 3, "three writes acknowledged before the chaos", Phase);

        await LeaderKilledAsync(mesh);
        await FollowerKilledAsync(mesh, writes);
        await PostgresRestartedAsync(mesh, writes);

        await writes.StopAsync();
        await NothingLostAsync(mesh, writes, await callers.StopAsync());
    }

    /// <summary>The leader dies under traffic and writes: another replica takes the lease with a higher epoch and acts, healing
    /// checkout's upstream, which starts failing only after the kill. Then the dead replica is replaced (a new pod, a new id).</summary>
    private async Task LeaderKilledAsync(ReplicatedMesh mesh)
    {
        var replicas = mesh.Replicas;
        var (leader, old) = await replicas.LeaderAsync(Phase);
        Log($"leader {old}");
        var killedAt = DateTimeOffset.UtcNow;
        await replicas.KillAsync(leader);
        await mesh.C.FaultAsync("status=503&ratio=0.6");
        var (next, successor) = await replicas.LeaderAsync(Phase, not: old.Id, ranSince: killedAt);
        Log($"new leader {successor}, its first run done {(successor.LastRunAt!.Value - killedAt).TotalMilliseconds:0} ms after the kill");
        Assert.True(successor.Epoch > old.Epoch, $"epoch {successor.Epoch} after {old.Epoch}");
        var healing = await Wait.UntilAsync(
            async () => (await mesh.ActionsAsync(next)).FirstOrDefault(a =>
                a.Kind == "fallback.activate" && a.Target == $"{ReplicatedMesh.SickService}/c" && a.State is ("applied" or "succeeded" or "rolled_back") && a.CreatedAt >= killedAt),
            a => a.Kind is not null,
            "the new leader applied a fallback for checkout's failing upstream",
            TimeSpan.FromSeconds(60));
        Log($"healing {healing.Kind} {healing.Target} {healing.State}, made {(healing.CreatedAt - killedAt).TotalMilliseconds:0} ms after the kill");
        await mesh.C.HealAsync();
        await replicas.ReplaceAsync(leader);
    }

    /// <summary>A follower (the one with the most streams) dies: its sidecars move to the survivors and apply a version written after it died.</summary>
    private async Task FollowerKilledAsync(ReplicatedMesh mesh, PolicyWriter writes)
    {
        var replicas = mesh.Replicas;
        var (leader, _) = await replicas.LeaderAsync(Phase);
        var rows = await replicas.ListAsync(leader);
        var follower = rows.Where(r => !r.Leader && replicas.IndexOf(r.Id) >= 0).OrderByDescending(r => r.Streams).First();
        var index = replicas.IndexOf(follower.Id);
        var address = replicas[index].GrpcUri.ToString().TrimEnd('/');
        var itsSidecars = (await mesh.ConnectedToAsync()).Count(a => a == address);
        Log($"killing follower {follower}, {itsSidecars} sidecars on it");
        Assert.True(itsSidecars > 0, $"a sidecar is on follower {follower.Id} ({address})");
        await replicas.KillAsync(index);
        var after = writes.Now;
        await Wait.UntilAsync(
            async () => string.Join(", ", await mesh.ConnectedToAsync()),
            v => v.Split(", ").All(a => a.Length > 0 && a != address),
            $"every sidecar's policy stream is on a living replica, none on {address}",
            Phase);
        var written = await Wait.UntilAsync(
            () => Task.FromResult(writes.Acknowledged.FirstOrDefault(w => w.SentAt >= after)), w => w is not null, "a write acknowledged after the follower's kill", Phase);
        await SidecarsAppliedAsync(mesh, written!.Version!.Value);
    }

    /// <summary>PostgreSQL stops: writes fail and none is acknowledged; once it is back every living replica acknowledges a
    /// write again, a replica leads, and a new write reaches every sidecar.</summary>
    private async Task PostgresRestartedAsync(ReplicatedMesh mesh, PolicyWriter writes)
    {
        var replicas = mesh.Replicas;
        await replicas.Postgres.StopAsync();
        var down = writes.Now;
        await Wait.UntilAsync(() => writes.Writes.Count(w => w.SentAt >= down) >= 3, "three writes tried while PostgreSQL is down", Phase);
        var outage = writes.Writes.Where(w => w.SentAt >= down).ToList();
        await replicas.Postgres.StartAgainAsync();
        var up = writes.Now;
        Log($"during the outage: {string.Join("; ", outage.Select(w => w.Error ?? $"version {w.Version}"))}");
        Assert.All(outage, w => Assert.False(w.Acknowledged, $"write to replica {w.Replica} acknowledged as version {w.Version} while PostgreSQL was down"));
        foreach (var replica in replicas.Alive)
        {
            await Wait.UntilAsync(
                () => Task.FromResult(writes.Acknowledged.Any(w => w.Replica == replica && w.SentAt >= up)),
                $"replica {replicas.IdOf(replica)} acknowledges a write after PostgreSQL is back",
                Phase);
        }

        await replicas.LeaderAsync(Phase);
        await SidecarsAppliedAsync(mesh, writes.Acknowledged.First(w => w.SentAt >= up).Version!.Value);
    }

    /// <summary>Every acknowledged write is in the store with its document and versions only grew; every sidecar of orders
    /// applied the newest version and the control plane recorded its ACK; no caller request through them failed.</summary>
    private async Task NothingLostAsync(ReplicatedMesh mesh, PolicyWriter writes, IReadOnlyList<Sample> samples)
    {
        var acknowledged = writes.Acknowledged;
        var via = mesh.Replicas.Alive[0];
        var stored = await mesh.StoredDocumentsAsync(via, acknowledged.Select(w => w.Version!.Value));
        Log($"{writes.Writes.Count} writes, {acknowledged.Count} acknowledged");
        Assert.All(acknowledged, w => Assert.Equal(w.Document, stored[w.Version!.Value]));
        Assert.True(acknowledged.Zip(acknowledged.Skip(1)).All(p => p.Second.Version > p.First.Version),
            "versions in the order acknowledged: " + string.Join(", ", acknowledged.Select(w => w.Version)));
        var newest = await mesh.NewestVersionAsync(via);
        Assert.True(newest >= acknowledged[^1].Version, $"newest stored {newest}, last acknowledged {acknowledged[^1].Version}");
        await Wait.UntilAsync(
            async () => string.Join(' ', (await mesh.VersionsAsync()).Take(mesh.Sidecars.Count)),
            v => v.Split(' ').All(x => x == newest.ToString(CultureInfo.InvariantCulture)),
            $"every orders sidecar applied the newest version {newest}",
            Phase);
        await Wait.UntilAsync(
            async () => string.Join(", ", (await mesh.StatusAsync(via)).Select(s => $"{s.Instance} {(s.Connected ? "connected" : "gone")} acked {s.Acked}")),
            v => mesh.Sidecars.Select((_, i) => $"{ReplicatedMesh.Service}-{i + 1} connected acked {newest}").All(v.Split(", ").Contains),
            $"the control plane recorded every orders sidecar's ACK of {newest}",
            Phase);

        var failed = samples.Where(s => s.Target == 0 && s.Outcome == Outcome.Failed).ToList();
        Log($"{samples.Count(s => s.Target == 0)} requests through orders' sidecars, {failed.Count} failed; checkout: "
            + $"{samples.Count(s => s.Target == 1 && s.Outcome == Outcome.Failed)} failed of {samples.Count(s => s.Target == 1)} (its upstream's fault)");
        Assert.True(samples.Count(s => s.Target == 0) > 100, "the callers ran");
        Assert.True(failed.Count == 0, $"{failed.Count} requests failed through orders' sidecars, first at {failed.FirstOrDefault().SentAt}");
    }

    private static Task SidecarsAppliedAsync(ReplicatedMesh mesh, long version) => Wait.UntilAsync(
        async () => string.Join(' ', (await mesh.VersionsAsync()).Take(mesh.Sidecars.Count)),
        v => v.Split(' ').All(x => long.Parse(x, CultureInfo.InvariantCulture) >= version),
        $"every orders sidecar applied version {version} or newer",
        Phase);

    private void Log(string line) => output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {line}");
}
