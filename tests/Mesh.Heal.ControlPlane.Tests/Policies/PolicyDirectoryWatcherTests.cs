using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Replication;
using Mesh.Heal.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.ControlPlane.Tests.Policies;

/// <summary>With several replicas on one store only the leader submits the policy directory (they all mount the same files).</summary>
public sealed class PolicyDirectoryWatcherTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TestStore _a = new(new FakeTimeProvider(Start));
    private readonly TestStore _b;
    private readonly string _policies = Directory.CreateTempSubdirectory("meshheal-policies-").FullName;

    public PolicyDirectoryWatcherTests() => _b = new TestStore(new FakeTimeProvider(Start), _a.Directory);

    public void Dispose()
    {
        _b.Dispose();
        _a.Dispose();
    }

    [Fact]
    public async Task Follower_SubmitsNothing_UntilItIsElected_ThenTheDirectoryAtOnce()
    {
        await File.WriteAllTextAsync(Path.Combine(_policies, "orders.yaml"), "service: orders\nclusters:\n  backend:\n    timeout: 2s\n");
        using var leaderA = new LeaderElection(_a.Store, Options.Create(new HaOptions()), _a.Time, NullLogger<LeaderElection>.Instance);
        using var electionB = new LeaderElection(_b.Store, Options.Create(new HaOptions()), _b.Time, NullLogger<LeaderElection>.Instance);
        leaderA.Tick();
        electionB.Tick();
        using var watcher = new PolicyDirectoryWatcher(
            _b.Policies(), _b.Time, Options.Create(new ControlPlaneOptions { PolicyDirectory = _policies }), Options.Create(new LimitOptions()),
            NullLogger<PolicyDirectoryWatcher>.Instance, electionB);

        await watcher.StartAsync(CancellationToken.None);
        Assert.Null(_b.Store.Policy("orders"));

        // a stops and releases the lease; b is elected and reads the directory without waiting for a file to change.
        await leaderA.StopAsync(CancellationToken.None);
        electionB.Tick();
        Assert.Equal(2, electionB.Current?.Epoch);
        await Wait.UntilAsync(
            () =>
            {
                _b.Time.Advance(TimeSpan.FromMilliseconds(250));
                return _b.Store.Policy("orders") is not null;
            },
            "b submitting the directory once elected");
        await watcher.StopAsync(CancellationToken.None);
        Assert.Equal(1, _b.Store.Policy("orders")!.Version);
    }
}
