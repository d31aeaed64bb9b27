using Mesh.Heal.ControlPlane.Replication;
using Mesh.Heal.ControlPlane.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.ControlPlane.Tests.Replication;

/// <summary>The coordinator lease between replicas of one SQLite store, each on its own fake clock (as if each were its own process).</summary>
public sealed class LeaderElectionTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("meshheal-ha-").FullName;
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    [Fact]
    public void Tick_FirstReplica_LeadsWithEpochOne_AndTheSecondDoesNot()
    {
        var (a, _, storeA) = Replica("a");
        var (b, _, _) = Replica("b");

        a.Tick();
        b.Tick();

        Assert.Equal(1, a.Current?.Epoch);
        Assert.Null(b.Current);
        Assert.Equal(("a", 1L, true), storeA.Lease(LeaderElection.LeaseName));
    }

    [Fact]
    public void Tick_RenewalInTime_KeepsTheTermAndEpoch_AndExtendsIt()
    {
        var (a, time, _) = Replica("a");
        a.Tick();
        var term = a.Current!;
        var until = term.ValidUntil;

        time.Advance(TimeSpan.FromSeconds(1));
        a.Tick();

        Assert.Same(term, a.Current);
        Assert.Equal(1, term.Epoch);
        Assert.Equal(until + TimeSpan.FromSeconds(1), term.ValidUntil);
        Assert.False(term.IsLost);
    }

    [Fact]
    public void Flow_LeaderStopsRenewing_StepsDownAtExpiryByItself_ThenAnotherTakesOver_WithTheNextEpoch()
    {
        var (a, timeA, _) = Replica("a");
        var (b, timeB, storeB) = Replica("b");
        a.Tick();
        var term = a.Current!;

        // Before expiry the lease is a's: b cannot take it.
        timeA.Advance(TimeSpan.FromSeconds(3.9));
        timeB.Advance(TimeSpan.FromSeconds(3.9));
        b.Tick();
        Assert.Null(b.Current);
        Assert.False(term.IsLost);

        // a's store is unreachable (it never ticks again): at expiry it steps down on its own clock, with nothing from the store.
        timeA.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(term.IsLost);
        Assert.True(term.Lost.IsCancellationRequested);
        Assert.Null(a.Current);

        timeB.Advance(TimeSpan.FromSeconds(0.2));
        b.Tick();
        Assert.Equal(2, b.Current?.Epoch);
        Assert.Equal(("b", 2L, true), storeB.Lease(LeaderElection.LeaseName));

        // a comes back: it does not lead while b renews.
        a.Tick();
        Assert.Null(a.Current);
    }

    [Fact]
    public void Tick_ReplicaRetakesItsOwnExpiredLease_WithANewEpoch_SoTheOldTermsTokenNeverPassesAgain()
    {
        var (a, time, _) = Replica("a");
        a.Tick();
        var first = a.Current!;

        time.Advance(TimeSpan.FromSeconds(5));
        a.Tick();

        Assert.True(first.IsLost);
        Assert.Equal(2, a.Current?.Epoch);
    }

    [Fact]
    public async Task StopAsync_Leader_ReleasesTheLease_SoAnotherTakesItAtOnce()
    {
        var (a, _, _) = Replica("a");
        var (b, _, _) = Replica("b");
        await a.StartAsync(CancellationToken.None);
        var term = a.Current!;

        await a.StopAsync(CancellationToken.None);
        b.Tick();

        Assert.True(term.IsLost);
        Assert.Equal(2, b.Current?.Epoch);
    }

    [Fact]
    public async Task WaitForTermAsync_CompletesWhenTheReplicaIsElected()
    {
        var (a, timeA, _) = Replica("a");
        var (b, timeB, _) = Replica("b");
        a.Tick();
        var waiting = b.WaitForTermAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        timeA.Advance(TimeSpan.FromSeconds(5));
        timeB.Advance(TimeSpan.FromSeconds(5));
        b.Tick();

        var term = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(("b", 2L), (term.Holder, term.Epoch));
    }

    [Fact]
    public void Tick_Leader_MarksDisconnectedOnlyTheSidecarsOfReplicasThatStoppedHeartbeating()
    {
        var (a, timeA, storeA) = Replica("a");
        var (b, timeB, storeB) = Replica("b");
        a.Tick();
        b.Tick();
        storeA.SidecarConnected("svc", "on-a", "", "1", "c1");
        storeB.SidecarConnected("svc", "on-b", "", "1", "c2");

        // b dies; a keeps leading past three lease durations of b's silence.
        for (var i = 0; i < 13; i++)
        {
            timeA.Advance(TimeSpan.FromSeconds(1));
            a.Tick();
        }

        var sidecars = storeA.Sidecars("svc").ToDictionary(s => s.Instance, s => s.Connected);
        Assert.True(sidecars["on-a"]);
        Assert.False(sidecars["on-b"]);
        var replicas = storeA.Replicas(TimeSpan.FromSeconds(12)).ToDictionary(r => r.Id);
        Assert.True(replicas["a"] is { Leader: true, Alive: true, Streams: 1, Epoch: 1 });
        Assert.True(replicas["b"] is { Leader: false, Alive: false, Streams: 0 });
        _ = timeB;
    }

    [Fact]
    public void Tick_Follower_WaitsUntilTheHoldersLeaseExpiresPlusTheMargin_WhenThatIsSoonerThanTheRenewInterval()
    {
        var (a, timeA, _) = Replica("a");
        var (b, timeB, _) = Replica("b");
        Assert.Equal(TimeSpan.FromSeconds(1), a.Tick());

        // 2.5 s of a's lease left: the next try is at the renew interval; 0.5 s left: right after the lease expires.
        timeB.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(TimeSpan.FromSeconds(1), b.Tick());
        timeB.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(0.5) + LeaderElection.ExpiryMargin, b.Tick());
        Assert.Null(b.Current);
        _ = timeA;
    }

    [Fact]
    public async Task Loop_FollowerThatSaw2_5sLeft_TakesTheLeaseAtExpiryPlusTheMargin_NotAtItsNextWholeInterval()
    {
        var (a, _, _) = Replica("a");
        var (b, timeB, _) = Replica("b");
        a.Tick();

        // a is killed right after its renewal (it never ticks again); b starts 1.5 s later by its clock: 2.5 s of a's lease are left.
        timeB.Advance(TimeSpan.FromSeconds(1.5));
        var seen = timeB.GetUtcNow();
        await b.StartAsync(CancellationToken.None);
        try
        {
            Assert.Null(b.Current);
            await NextTickAtAsync(b, seen + TimeSpan.FromSeconds(1));
            timeB.Advance(TimeSpan.FromSeconds(1));
            await NextTickAtAsync(b, seen + TimeSpan.FromSeconds(2));
            timeB.Advance(TimeSpan.FromSeconds(1));

            // 0.5 s left: the next try is at the expiry plus the margin, not at the next whole second (3 s after b saw 2.5 s).
            var expiry = seen + TimeSpan.FromSeconds(2.5) + LeaderElection.ExpiryMargin;
            await NextTickAtAsync(b, expiry);
            timeB.Advance(expiry - timeB.GetUtcNow() - TimeSpan.FromMilliseconds(1));
            Assert.Null(b.Current);
            timeB.Advance(TimeSpan.FromMilliseconds(1));
            var term = await b.WaitForTermAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(("b", 2L), (term.Holder, term.Epoch));
            Assert.Equal(expiry, term.ElectedAt);

            // As leader it renews every renew interval from there.
            await NextTickAtAsync(b, expiry + TimeSpan.FromSeconds(1));
        }
        finally
        {
            await b.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Loop_Leader_RenewsEveryRenewInterval_WhileAFollowerWaits()
    {
        var (a, timeA, _) = Replica("a");
        var (b, timeB, _) = Replica("b");
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            var term = a.Current!;
            for (var i = 1; i <= 6; i++)
            {
                await NextTickAtAsync(a, Start + TimeSpan.FromSeconds(i));
                await NextTickAtAsync(b, Start + TimeSpan.FromSeconds(i));
                timeA.Advance(TimeSpan.FromSeconds(1));
                timeB.Advance(TimeSpan.FromSeconds(1));
                await Testing.Wait.UntilAsync(() => term.ValidUntil == Start + TimeSpan.FromSeconds(i + 4), $"renewal {i}", TimeSpan.FromSeconds(10));
            }

            Assert.Same(term, a.Current);
            Assert.Null(b.Current);
        }
        finally
        {
            await b.StopAsync(CancellationToken.None);
            await a.StopAsync(CancellationToken.None);
        }
    }

    private static Task NextTickAtAsync(LeaderElection election, DateTimeOffset at) =>
        Testing.Wait.UntilAsync(() => election.NextTickAt == at, $"{election.ReplicaId}'s next tick scheduled at {at:O}", TimeSpan.FromSeconds(10));

    private (LeaderElection Election, FakeTimeProvider Time, MeshStore Store) Replica(string id)
    {
        var time = new FakeTimeProvider(Start);
        var store = new MeshStore(new Mesh.Heal.ControlPlane.Store.Internal.SqliteDatabase(Path.Combine(_directory, "cp.db")), time, id);
        var election = new LeaderElection(store, Options.Create(new HaOptions()), time, NullLogger<LeaderElection>.Instance);
        _owned.Add(election);
        _owned.Add(store);
        return (election, time, store);
    }
}
