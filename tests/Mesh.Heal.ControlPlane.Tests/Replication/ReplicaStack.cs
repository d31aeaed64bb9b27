using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Replication;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Store.Internal;
using Mesh.Heal.ControlPlane.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Tests.Replication;

/// <summary>One control-plane replica's parts on a shared PostgreSQL database, wired by hand: store, election, policy service, distributor,
/// change feed, aggregator and telemetry inbox.</summary>
internal sealed class ReplicaStack : IAsyncDisposable
{
    public ReplicaStack(string connectionString, string id, TimeProvider? time = null, HaOptions? ha = null)
    {
        Time = time ?? TimeProvider.System;
        var options = Options.Create(ha ?? new HaOptions());
        Store = new MeshStore(new PostgresDatabase(connectionString), Time, id);
        Metrics = TestStore.Metrics();
        Election = new LeaderElection(Store, options, Time, NullLogger<LeaderElection>.Instance);
        Policies = new PolicyService(Store, Metrics, Options.Create(new LimitOptions()), NullLogger<PolicyService>.Instance);
        Distributor = new PolicyDistributor(Policies, Time, Options.Create(new ControlPlaneOptions { PushDebounce = TimeSpan.Zero }), Options.Create(new LimitOptions()), Metrics);
        Feed = new PolicyFeed(Store, Policies, options, Time, NullLogger<PolicyFeed>.Instance);
        Telemetry = new TelemetryAggregator(Time);
        Inbox = new TelemetryInbox(Store, Telemetry, Election, Metrics, Time, NullLogger<TelemetryInbox>.Instance);
    }

    public TimeProvider Time { get; }

    public MeshStore Store { get; }

    public ControlPlaneMetrics Metrics { get; }

    public LeaderElection Election { get; }

    public PolicyService Policies { get; }

    public PolicyDistributor Distributor { get; }

    public PolicyFeed Feed { get; }

    public TelemetryAggregator Telemetry { get; }

    public TelemetryInbox Inbox { get; }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Feed.StopAsync(stop.Token);
        Feed.Dispose();
        Inbox.Dispose();
        Election.Dispose();
        Distributor.Dispose();
        Store.Dispose();
    }
}
