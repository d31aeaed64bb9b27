using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Replication;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.ControlPlane.Tests.Replication;

/// <summary>Two replicas' coordinators on one store, each replica on its own clock: a replica that lost the lease cannot apply an action.</summary>
public sealed class FencingTests : IDisposable
{
    private const string PolicyB = "service: b\nclusters:\n  c:\n    timeout: 5s\n";
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TestStore _a;
    private readonly TestStore _b;
    private readonly LeaderElection _electionA;
    private readonly LeaderElection _electionB;

    public FencingTests()
    {
        _a = new TestStore(new FakeTimeProvider(Start));
        _b = new TestStore(new FakeTimeProvider(Start), _a.Directory);
        _electionA = new LeaderElection(_a.Store, Options.Create(new HaOptions()), _a.Time, NullLogger<LeaderElection>.Instance);
        _electionB = new LeaderElection(_b.Store, Options.Create(new HaOptions()), _b.Time, NullLogger<LeaderElection>.Instance);
    }

    public void Dispose()
    {
        _electionA.Dispose();
        _electionB.Dispose();
        _a.Dispose();
        _b.Dispose();
    }

    [Fact]
    public async Task Flow_LeaseTakenOverMidRun_TheOldLeadersPolicyWriteIsRefused_NothingIsApplied_AndTheNewLeaderAppliesIt()
    {
        var policiesA = _a.Policies();
        policiesA.Submit(PolicyB, null, "api", "alice");
        _electionA.Tick();
        var termA = _electionA.Current!;

        // a is paused (its clock stands still, so its own term still looks valid) while b's clock passes the lease: b takes over
        // just as a's actuator is about to write the new policy version.
        var actuator = new TakeoverActuator(new PolicyActuator(_a.Store, policiesA), () =>
        {
            _b.Time.Advance(TimeSpan.FromSeconds(5));
            _electionB.Tick();
        });
        var coordinatorA = Coordinator(_a, policiesA, actuator);

        using (Fence.Enter(termA))
        {
            await Assert.ThrowsAsync<LeadershipLostException>(() => coordinatorA.RunOnceAsync(CancellationToken.None));
        }

        Assert.Equal(1, actuator.Calls);
        Assert.Equal(1, actuator.Epoch);
        Assert.True(termA.IsValid(TimeSpan.Zero));
        Assert.Equal(2, _electionB.Current?.Epoch);
        Assert.Equal(1, _a.Store.Policy("b")!.Version);
        var action = Assert.Single(_a.Store.Actions(null, null, 10));
        Assert.Equal(ActionStates.Approved, action.State);
        Assert.DoesNotContain(_a.Store.AuditLog(null, 100), e => e.Kind is "action.failed" or "action.applied");

        // The new leader takes the same action over from the store and applies it.
        var policiesB = _b.Policies();
        var coordinatorB = Coordinator(_b, policiesB, new PolicyActuator(_b.Store, policiesB));
        using (Fence.Enter(_electionB.Current))
        {
            await coordinatorB.RunOnceAsync(CancellationToken.None);
        }

        Assert.Equal(2, _b.Store.Policy("b")!.Version);
        Assert.Equal(ActionStates.Applied, _b.Store.Action(action.Id)!.State);
        Assert.Single(_b.Store.Actions(null, null, 10));

        // a's next tick finds b holding the lease: its term ends.
        _electionA.Tick();
        Assert.True(termA.IsLost);
    }

    [Fact]
    public void Write_UnderATermWhoseLeaseWasTakenOver_IsRefused_AndWritesNothing()
    {
        _electionA.Tick();
        var termA = _electionA.Current!;
        _b.Time.Advance(TimeSpan.FromSeconds(5));
        _electionB.Tick();

        using (Fence.Enter(termA))
        {
            Assert.Throws<LeadershipLostException>(() => _a.Store.Audit("coordinator", "test.fenced", "svc", "x", "refused"));
            Assert.Throws<LeadershipLostException>(() => _a.Store.AddPolicy("svc", "{}", "service: svc\n", "healing", "coordinator"));
        }

        using (Fence.Enter(_electionB.Current))
        {
            _b.Store.Audit("coordinator", "test.fenced", "svc", "y", "allowed");
        }

        // Writes outside any term (an operator, a sidecar) are not fenced.
        _a.Store.Audit("alice", "test.unfenced", "svc", "z", "allowed");
        Assert.Equal(["y", "z"], _a.Store.AuditLog("svc", 10).Select(e => e.Subject).Order(StringComparer.Ordinal));
        Assert.Null(_a.Store.Policy("svc"));
    }

    [Fact]
    public async Task Dispatcher_LeaseAboutToExpire_RefusesToCallTheActuator()
    {
        _electionA.Tick();
        var term = _electionA.Current!;
        var recording = new RecordingActuator();
        var dispatcher = new ActuatorDispatcher([ActuatorBinding.For(recording)]);
        var command = new PolicyPatch(new EdgeId("b", "c"), [new PolicyChange("clusters:c:timeout", "4s")]);

        // Less than one renew interval (1 s) is left of the 4 s lease.
        _a.Time.Advance(TimeSpan.FromSeconds(3.5));
        using (Fence.Enter(term))
        {
            await Assert.ThrowsAsync<LeadershipLostException>(() => dispatcher.ApplyAsync(command, "coordinator", CancellationToken.None));
        }

        Assert.Equal(0, recording.Calls);
        await dispatcher.ApplyAsync(command, "alice", CancellationToken.None);
        Assert.Equal(1, recording.Calls);
    }

    [Fact]
    public async Task Coordinator_NewTerm_FirstRunStartsAtOnce_WithoutWaitingAHealingInterval()
    {
        _electionA.Tick();
        _electionB.Tick();
        var policiesB = _b.Policies();
        var coordinatorB = Coordinator(_b, policiesB, new PolicyActuator(_b.Store, policiesB), _electionB);
        await coordinatorB.StartAsync(CancellationToken.None);
        try
        {
            // a dies; b takes the lease once it expired. b's clock stands still from then on, so a first run that waited for its
            // Healing:Interval would never come.
            _b.Time.Advance(TimeSpan.FromSeconds(5));
            _electionB.Tick();
            var term = _electionB.Current!;
            await Testing.Wait.UntilAsync(
                () => _b.Store.Replicas(TimeSpan.FromHours(1)).Single(r => r.Id == _electionB.ReplicaId).LastRunAt is not null,
                "b's first coordinator run as leader", TimeSpan.FromSeconds(10));
            Assert.Equal(term.ElectedAt, _b.Store.Replicas(TimeSpan.FromHours(1)).Single(r => r.Id == _electionB.ReplicaId).LastRunAt);
        }
        finally
        {
            await coordinatorB.StopAsync(CancellationToken.None);
        }
    }

    private static HealingCoordinator Coordinator(TestStore test, PolicyService policies, IActuator<PolicyPatch, PolicyUndo> actuator, LeaderElection? leadership = null)
    {
        var options = new TestOptions();
        var telemetry = new TelemetryAggregator(test.Time);
        var (snapshots, anomalies, _) = test.Snapshots(telemetry, options);
        return new HealingCoordinator(
            [new PatchAgent()], new ActuatorDispatcher([ActuatorBinding.For(actuator)]), snapshots, test.Store, telemetry, anomalies,
            Options.Create(options.Healing), test.Time, NullLogger<HealingCoordinator>.Instance, leadership);
    }

    /// <summary>Proposes one low-risk policy change for b, applied without approval.</summary>
    private sealed class PatchAgent : IHealingAgent
    {
        public string Name => "patch";

        public IReadOnlyList<SnapshotSliceKey> Reads => [];

        public AgentOutput Analyze(MeshSnapshot snapshot, string service, CancellationToken cancellationToken) =>
            new(Name, service, AgentStatus.Ok, snapshot.Time)
            {
                Actions = service != "b" ? [] :
                [
                    new HealingAction("timeout.tighten", new PolicyPatch(new EdgeId("b", "c"), [new PolicyChange("clusters:c:timeout", "4s")]), "tighten", ActionRisk.Low)
                    {
                        Signal = [new EdgeId("b", "c")],
                    },
                ],
            };
    }

    /// <summary>Lets another replica take the lease just before the real actuator writes.</summary>
    private sealed class TakeoverActuator(PolicyActuator inner, Action takeover) : IActuator<PolicyPatch, PolicyUndo>
    {
        public int Calls { get; private set; }

        public long? Epoch { get; private set; }

        public Task<PolicyUndo> ApplyAsync(PolicyPatch command, string actor, CancellationToken cancellationToken)
        {
            Calls++;
            Epoch = Fence.Current?.Epoch;
            takeover();
            return inner.ApplyAsync(command, actor, cancellationToken);
        }

        public Task UndoAsync(PolicyPatch command, PolicyUndo undo, string actor, CancellationToken cancellationToken) => inner.UndoAsync(command, undo, actor, cancellationToken);
    }

    private sealed class RecordingActuator : IActuator<PolicyPatch, PolicyUndo>
    {
        public int Calls { get; private set; }

        public Task<PolicyUndo> ApplyAsync(PolicyPatch command, string actor, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(new PolicyUndo(new Dictionary<string, string?>()));
        }

        public Task UndoAsync(PolicyPatch command, PolicyUndo undo, string actor, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
