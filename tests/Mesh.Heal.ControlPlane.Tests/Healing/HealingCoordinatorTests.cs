using Mesh.Heal.Agents;
using Mesh.Heal.Agents.CircuitBreaker;
using Mesh.Heal.Agents.Resources;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Healing.Internal;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.Healing;
using Mesh.Heal.Policy;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Tests.Healing;

/// <summary>The coordinator with the real store, policy service, aggregator and circuit breaker agent, on a fake clock:
/// telemetry goes in as sidecar reports, healings come out as policy versions.</summary>
public class HealingCoordinatorTests : IDisposable
{
    private const string CascadePolicyB = "service: b\nclusters:\n  c:\n    timeout: 5s\n    fallback: { response: { statusCode: 200, body: degraded } }\n";
    private const string CascadePolicyA = "service: a\nclusters:\n  b:\n    timeout: 1s\n";

    private readonly TestStore _test = new();
    private readonly TelemetryAggregator _telemetry;
    private readonly PolicyService _policies;

    public HealingCoordinatorTests()
    {
        _telemetry = new TelemetryAggregator(_test.Time);
        _policies = _test.Policies();
    }

    public void Dispose() => _test.Dispose();

    [Fact]
    public async Task Flow_Cascade_Applied_Verified_Mitigated_ThenResolved_AndUndone()
    {
        SubmitCascadePolicies();
        var coordinator = Coordinator();

        await RunAsync(coordinator, 3, CascadeFault);

        var issues = _test.Store.Issues(null, null, 10);
        Assert.Contains(issues, i => i.Kind == "upstream.unhealthy" && i.Service == "c");
        var cascade = Assert.Single(issues, i => i.Fingerprint == "circuit-breaker/c/cascade.risk/b");
        Assert.Equal(["c", "b"], cascade.Services);
        var applied = _test.Store.Actions(null, ActionStates.Applied, 10);
        Assert.Equal(["fallback.activate", "timeout.tighten"], applied.Select(a => a.Kind).Order());
        Assert.All(applied, a => Assert.Equal(cascade.Id, a.IssueId));
        var policy = Policy("b").ForCluster("c");
        Assert.Equal((BreakerOverride.ForceFallback, TimeSpan.FromMilliseconds(500)), (policy.Override, policy.Timeout));

        // b now answers from its fallback at once, so a stops failing.
        await RunAsync(coordinator, 13, () => { Held("b", "c"); Healthy("a", "b"); });

        Assert.True(_test.Store.Actions(null, null, 10).All(a => a.State == ActionStates.Succeeded), string.Join("\n", _test.Store.AuditLog(null, 100).Select(e => $"{e.At:ss} {e.Kind} {e.Detail}")));
        Assert.Equal("mitigated", _test.Store.Issue(cascade.Id)!.State);
        var audit = _test.Store.AuditLog(null, 100).Select(e => e.Kind).ToList();
        Assert.Contains("issue.opened", audit);
        Assert.Contains("action.applied", audit);
        Assert.Contains("action.verified", audit);
        Assert.Contains("issue.mitigated", audit);
        Assert.Contains(_test.Store.Actions(null, null, 10), a => ActionDetails.Parse(a.Details) is { Verdict: Verdict.Better, Before.Ratio: 0.5 });

        // Nobody sees c while b is held; after the hold (30 s) the verdict is released, the issue resolves and the healings are undone.
        await RunAsync(coordinator, 40, () => { Held("b", "c"); Healthy("a", "b"); });

        Assert.Equal("resolved", _test.Store.Issue(cascade.Id)!.State);
        Assert.All(_test.Store.Actions(null, null, 10), a => Assert.Equal(ActionStates.RolledBack, a.State));
        Assert.All(_test.Store.Actions(null, null, 10), a => Assert.Equal(UndoReason.IssueResolved, ActionDetails.Parse(a.Details).UndoReason));
        policy = Policy("b").ForCluster("c");
        Assert.Equal((BreakerOverride.None, TimeSpan.FromSeconds(5)), (policy.Override, policy.Timeout));
        Assert.Equal(5, _policies.Latest("b")!.Version);
    }

    [Fact]
    public async Task Verify_AHealingThatMakesThingsWorse_IsRolledBack_AndNotProposedAgain()
    {
        // b's fallback is a cluster that is down: forcing it turns 60 % failures into 100 %.
        _policies.Submit("service: b\nclusters:\n  c:\n    fallback: { cluster: backup }\n", null, "api", "alice");
        _policies.Submit(CascadePolicyA, null, "api", "alice");
        var coordinator = Coordinator();

        await RunAsync(coordinator, 3, () => { Failing("b", "c", ratio: 0.6); Failing("a", "b", ratio: 0.6); });
        var action = Assert.Single(_test.Store.Actions(null, ActionStates.Applied, 10));
        Assert.Equal("fallback.activate", action.Kind);
        await RunAsync(coordinator, 13, () => { Failing("b", "c", ratio: 1, attempts: false); Failing("a", "b", ratio: 1); });

        action = _test.Store.Action(action.Id)!;
        Assert.True(action.State == ActionStates.RolledBack, string.Join("\n", _test.Store.AuditLog(null, 100).Select(e => $"{e.Kind} {e.Detail}")));
        Assert.Equal(BreakerOverride.None, Policy("b").ForCluster("c").Override);
        Assert.Equal((Verdict.Undone, UndoReason.Worse), (ActionDetails.Parse(action.Details).Verdict, ActionDetails.Parse(action.Details).UndoReason));
        Assert.Contains(_test.Store.AuditLog(null, 100), e => e.Kind == "action.rolled-back" && e.Subject == action.Id);

        await RunAsync(coordinator, 5, () => { Failing("b", "c", ratio: 0.6); Failing("a", "b", ratio: 0.6); });
        Assert.Single(_test.Store.Actions(null, null, 10));
    }

    [Fact]
    public async Task DryRun_RecordsEverything_AndAppliesNothing()
    {
        SubmitCascadePolicies();
        var coordinator = Coordinator(o => o.Healing.DryRunServices = ["c"]);

        await RunAsync(coordinator, 5, CascadeFault);

        var actions = _test.Store.Actions(null, null, 10);
        Assert.Equal(2, actions.Count);
        Assert.All(actions, a => Assert.True(a.DryRun && a.State == ActionStates.Proposed));
        Assert.Equal(1, _policies.Latest("b")!.Version);
        // Both would have applied automatically (low risk): recorded as dry-run, not as waiting for approval.
        Assert.All(actions, a => Assert.Equal(("low", "proposed"), (a.Risk, a.Mode)));
        Assert.Equal(2, _test.Store.AuditLog(null, 100).Count(e => e.Kind == "action.dry-run"));
        Assert.DoesNotContain(_test.Store.AuditLog(null, 100), e => e.Kind == "action.proposed");
    }

    [Fact]
    public async Task RunOnce_AFailingAgent_IsAFinding_AndTheOthersGoOn()
    {
        _policies.Submit(CascadePolicyB, null, "api", "alice");
        var coordinator = Coordinator(agents: [new ThrowingAgent(), new CircuitBreakerAgent()]);

        await RunAsync(coordinator, 2, () => Failing("b", "c", ratio: 1));

        var failed = _test.Store.Issues(null, null, 20).Where(i => i.Kind == "agent.failed").ToList();
        Assert.NotEmpty(failed);
        Assert.Contains("threw InvalidOperationException: broken on purpose", failed[0].Summary, StringComparison.Ordinal);
        Assert.Contains(_test.Store.Issues(null, null, 20), i => i.Kind == "upstream.unhealthy" && i.Service == "c");
    }

    [Fact]
    public async Task RunOnce_AnAgentReadingASliceNoSourceBuilds_IsAFindingNamingIt_AndTheOthersGoOn()
    {
        _policies.Submit(CascadePolicyB, null, "api", "alice");
        var coordinator = Coordinator(agents: [new UnsourcedAgent(), new CircuitBreakerAgent()]);

        await RunAsync(coordinator, 2, () => Failing("b", "c", ratio: 1));

        var failed = _test.Store.Issues(null, null, 20).Where(i => i.Kind == "agent.failed").ToList();
        Assert.NotEmpty(failed);
        Assert.Contains("threw MissingSliceException: the snapshot has no 'unsourced' slice", failed[0].Summary, StringComparison.Ordinal);
        Assert.Contains(_test.Store.Issues(null, null, 20), i => i.Kind == "upstream.unhealthy" && i.Service == "c");
    }

    [Fact]
    public async Task Rollback_ByAnOperator_UndoesThePolicyChange_AndIsNotProposedAgainAtOnce()
    {
        SubmitCascadePolicies();
        var coordinator = Coordinator();
        await RunAsync(coordinator, 3, CascadeFault);
        var fallback = _test.Store.Actions(null, ActionStates.Applied, 10).Single(a => a.Kind == "fallback.activate");

        var (action, moved) = await coordinator.RollbackAsync(fallback.Id, "alice", "testing", CancellationToken.None);
        await RunAsync(coordinator, 2, CascadeFault);

        Assert.True(moved);
        Assert.Equal(ActionStates.RolledBack, action!.State);
        Assert.Equal(BreakerOverride.None, Policy("b").ForCluster("c").Override);
        Assert.Single(_test.Store.Actions(null, null, 10), a => a.Kind == "fallback.activate");
        Assert.Contains(_test.Store.AuditLog(null, 100), e => e.Actor == "alice" && e.Kind == "action.rolled-back");
        Assert.Equal(UndoReason.Operator, ActionDetails.Parse(action.Details).UndoReason);
    }

    [Fact]
    public async Task Execute_AnActuatorThrowingAnyException_FailsThatActionOnly_AndTheNextOfTheTickIsAppliedAndVerified()
    {
        SubmitCascadePolicies();
        var actuator = new ThrowingOnceActuator(new PolicyActuator(_test.Store, _policies));
        var coordinator = Coordinator(agents: [new TwoPatchesAgent()], policy: actuator);

        await RunAsync(coordinator, 1, () => Healthy("a", "b"));

        // Both were handed to the actuator in the same run: the first threw, the second was applied all the same.
        Assert.Equal(2, actuator.Calls);
        var actions = _test.Store.Actions(null, null, 10);
        var failed = Assert.Single(actions, a => a.State == ActionStates.Failed);
        var failedDetails = ActionDetails.Parse(failed.Details);
        Assert.Equal(Verdict.Failed, failedDetails.Verdict);
        Assert.StartsWith(nameof(InvalidOperationException), failedDetails.Reason, StringComparison.Ordinal);
        Assert.Contains(_test.Store.AuditLog(null, 100), e => e.Kind == "action.failed" && e.Subject == failed.Id);
        var applied = Assert.Single(actions, a => a.State == ActionStates.Applied);

        await RunAsync(coordinator, 8, () => Healthy("a", "b"));

        Assert.Equal(ActionStates.Succeeded, _test.Store.Action(applied.Id)!.State);
        Assert.Equal(Verdict.NoWorse, ActionDetails.Parse(_test.Store.Action(applied.Id)!.Details).Verdict);
        Assert.Equal(ActionStates.Failed, _test.Store.Action(failed.Id)!.State);
    }

    [Fact]
    public async Task Flow_Leak_CleanedBeforeTheLimit_Verified_ThenCleanedAgainWhenItLeaksAgain()
    {
        var log = Path.Combine(_test.Directory, "cleanups");
        var coordinator = Coordinator(
            o =>
            {
                o.Healing.AutoApplyRisk = ActionRisk.Medium;
                o.Healing.VerificationSettle = TimeSpan.FromSeconds(1);
                o.Resources.Lookback = TimeSpan.FromMinutes(10);
                o.Resources.Services["c"] = new ServiceResourceOptions
                {
                    Cleanup = new CleanupOptions { Method = "command", Command = ["/bin/sh", "-c", $"echo $MESHHEAL_INSTANCE $MESHHEAL_RESOURCE >> {log}"] },
                };
            },
            [new ResourceExhaustionAgent()]);
        const long Mb = 1024 * 1024;
        var memory = 100 * Mb;
        void Leak()
        {
            memory += Mb;
            ReportResources("c", "c-1", memory, limit: 200 * Mb);
            Healthy("b", "c");
            var (rollups, resources) = _telemetry.Drain();
            _test.Store.AddRollups(rollups, resources);
        }

        // 1 MiB/s towards 200 MiB: about 90 s left once the trend is clear.
        await RunAsync(coordinator, 20, Leak);

        var leak = Assert.Single(_test.Store.Issues(null, null, 10), i => i.Kind == "resource.leak");
        Assert.Equal("critical", leak.Severity);
        Assert.Contains("c-1", leak.Summary, StringComparison.Ordinal);
        var cleanup = Assert.Single(_test.Store.Actions(null, null, 10));
        Assert.Equal(("resource.cleanup", "medium", "auto"), (cleanup.Kind, cleanup.Risk, cleanup.Mode));
        Assert.Equal(["c-1 memory"], await File.ReadAllLinesAsync(log));
        Assert.True(memory < 200 * Mb);

        // The cleanup freed the memory; nothing failed, so it is verified.
        memory = 100 * Mb;
        await RunAsync(coordinator, 8, Leak);
        Assert.Equal(ActionStates.Succeeded, _test.Store.Action(cleanup.Id)!.State);

        // It leaks again: a one-shot healing that succeeded does not block the next one.
        await RunAsync(coordinator, 20, Leak);
        Assert.Equal(2, _test.Store.Actions(null, null, 10).Count(a => a.Kind == "resource.cleanup"));
        Assert.Equal(["c-1 memory", "c-1 memory"], await File.ReadAllLinesAsync(log));
    }

    [Fact]
    public async Task Flow_DemandGrowingPastTheHpaCeiling_ProvisionIsAppliedThroughTheKubernetesApiAndVerified()
    {
        // b's callers send 20 requests/s more every 10 s from 100; one replica serves 100 and the HPA may scale to 3. Time is
        // compressed: 1 s rollups, horizons of 30, 60 and 90 s. The Kubernetes API is a WireMock stand-in serving the HPA.
        using var kubernetes = WireMock.Server.WireMockServer.Start();
        const string Path = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/b";
        var hpaJson = """{ "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": { "name": "b", "namespace": "default", "resourceVersion": "1" }, "spec": { "scaleTargetRef": { "kind": "Deployment", "name": "b" }, "minReplicas": 1, "maxReplicas": 3, "metrics": [ { "type": "Resource", "resource": { "name": "cpu", "target": { "type": "Utilization", "averageUtilization": 70 } } } ] } }""";
        kubernetes.Given(WireMock.RequestBuilders.Request.Create().WithPath(Path).UsingGet())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithHeader("Content-Type", "application/json").WithBody(_ => hpaJson));
        kubernetes.Given(WireMock.RequestBuilders.Request.Create().WithPath(Path).UsingPut())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithHeader("Content-Type", "application/json").WithBody(r => hpaJson = r.Body!));
        var coordinator = Coordinator(
            o =>
            {
                o.Healing.AutoApplyRisk = ActionRisk.Medium;
                o.Kubernetes.Server = kubernetes.Url;
                o.Capacity.Resolution = TimeSpan.FromSeconds(1);
                o.Capacity.Refresh = TimeSpan.FromSeconds(1);
                o.Capacity.Lookback = TimeSpan.FromMinutes(10);
                o.Capacity.ScalingLookback = TimeSpan.FromMinutes(10);
                o.Capacity.Services["b"] = new ServiceCapacityOptions
                {
                    Planner = new Agents.Capacity.CapacityPlannerOptions { CapacityPerReplica = 100, Horizons = [TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(90)] },
                    Hpa = new HpaOptions { MinReplicas = 1, MaxReplicas = 3 },
                };
            },
            [new Agents.Capacity.CapacityPlannerAgent()]);
        var second = 0;
        void Grow()
        {
            Add("a", "b", new Wire.ClusterReport { Requests = 100 + (20 * (second++ / 10)), Success = 100 + (20 * ((second - 1) / 10)) }, latencyMs: 5);
            var (rollups, resources) = _telemetry.Drain();
            _test.Store.AddRollups(rollups, resources);
        }

        // 60 s: demand reaches 200/s, under the ceiling of 300 but on its way there within the 90 s horizon.
        await RunAsync(coordinator, 60, Grow);

        var saturation = Assert.Single(_test.Store.Issues(null, null, 10), i => i.Kind == "capacity.saturation");
        Assert.Contains("outgrows", saturation.Summary, StringComparison.Ordinal);
        var provision = Assert.Single(_test.Store.Actions(null, null, 10), a => a.Kind == "capacity.provision");
        Assert.Equal(("medium", "auto"), (provision.Risk, provision.Mode));
        Assert.Contains("raise b's HPA maxReplicas from 3 to", provision.Description, StringComparison.Ordinal);
        await RunAsync(coordinator, 12, Grow);
        Assert.Equal(ActionStates.Succeeded, _test.Store.Action(provision.Id)!.State);
        var put = System.Text.Json.JsonDocument.Parse(kubernetes.LogEntries.Last(e => e.RequestMessage!.Method == "PUT").RequestMessage!.Body!).RootElement;
        Assert.True(put.GetProperty("spec").GetProperty("maxReplicas").GetInt32() > 3);
        Assert.Contains(_test.Store.AuditLog(null, 200), e => e.Kind == "action.applied" && e.Subject == provision.Id);
    }

    private HealingCoordinator Coordinator(
        Action<TestOptions>? configure = null, IHealingAgent[]? agents = null, IActuator<PolicyPatch, PolicyUndo>? policy = null)
    {
        var options = new TestOptions();
        options.Healing.LiveWindow = TimeSpan.FromSeconds(3);
        options.Healing.VerificationWindow = TimeSpan.FromSeconds(5);
        options.Healing.ResolveAfter = TimeSpan.FromSeconds(3);
        configure?.Invoke(options);
        var kubernetes = new KubernetesApi(Options.Create(options.Kubernetes));
        var hpas = new HpaReader(kubernetes, Options.Create(options.Capacity));
        var hpa = new HpaActuator(kubernetes, hpas, Options.Create(options.Capacity));
        var (snapshots, anomalies, _) = _test.Snapshots(_telemetry, options, hpas: hpas);
        return new HealingCoordinator(
            agents ?? [new CircuitBreakerAgent(options.Agents.CircuitBreaker)],
            new ActuatorDispatcher(
            [
                ActuatorBinding.For(policy ?? new PolicyActuator(_test.Store, _policies)),
                ActuatorBinding.For(new CleanupActuator(new HttpClient(), new KubernetesApi(Options.Create(options.Kubernetes)), Options.Create(options.Resources), _test.Time)),
                ActuatorBinding.For(hpa),
            ]),
            snapshots, _test.Store, _telemetry, anomalies, Options.Create(options.Healing), _test.Time, NullLogger<HealingCoordinator>.Instance);
    }

    /// <summary>For each of <paramref name="seconds"/> seconds: the sidecars report, then the coordinator runs.</summary>
    private async Task RunAsync(HealingCoordinator coordinator, int seconds, Action report)
    {
        for (var i = 0; i < seconds; i++)
        {
            _test.Time.Advance(TimeSpan.FromSeconds(1));
            report();
            await coordinator.RunOnceAsync(CancellationToken.None);
        }
    }

    private void SubmitCascadePolicies()
    {
        _policies.Submit(CascadePolicyB, null, "api", "alice");
        _policies.Submit(CascadePolicyA, null, "api", "alice");
    }

    /// <summary>c answers in 3 s; b waits up to 5 s, so a, which waits 1 s, times out on every call.</summary>
    private void CascadeFault()
    {
        Slow("b", "c");
        Failing("a", "b", timeouts: true);
    }

    private ResiliencePolicy Policy(string service) => PolicyDocument.Parse(_test.Store.Policy(service)!.Document, service, int.MaxValue).Policy!;

    private void Slow(string caller, string cluster) => Add(caller, cluster, new Wire.ClusterReport { Requests = 40, Success = 40 }, latencyMs: 3000);

    private void Healthy(string caller, string cluster) => Add(caller, cluster, new Wire.ClusterReport { Requests = 40, Success = 40 }, latencyMs: 5);

    private void Held(string caller, string cluster) => Add(caller, cluster, new Wire.ClusterReport { Requests = 40, Fallbacks = 40 }, latencyMs: 1);

    private void Failing(string caller, string cluster, double ratio = 1, bool timeouts = false, bool attempts = true)
    {
        var failed = (long)Math.Round(40 * ratio);
        var report = timeouts
            ? new Wire.ClusterReport { Requests = 40, Timeouts = failed, Success = 40 - failed, CallerFailures = failed }
            : attempts
                ? new Wire.ClusterReport { Requests = 40, ServerErrors = failed, Success = 40 - failed, CallerFailures = failed }
                : new Wire.ClusterReport { Requests = 40, Fallbacks = 40, CallerFailures = failed };
        Add(caller, cluster, report, latencyMs: timeouts ? 1000 : 5);
    }

    private void Add(string caller, string cluster, Wire.ClusterReport c, double latencyMs)
    {
        c.Cluster = cluster;
        c.Health = Wire.HealthState.Healthy;
        c.Breaker = Wire.BreakerState.Closed;
        var counts = new long[LatencyHistogram.BucketCount];
        var bucket = LatencyHistogram.BoundsMs.ToList().FindIndex(b => latencyMs <= b);
        counts[bucket < 0 ? counts.Length - 1 : bucket] = c.Requests;
        c.LatencyCounts.Add(counts);
        var report = new Wire.SidecarReport();
        report.LatencyBoundsMs.Add(LatencyHistogram.BoundsMs);
        report.Clusters.Add(c);
        _telemetry.Add(caller, caller + "-1", report);
    }

    private void ReportResources(string service, string instance, long workingSet, long limit)
    {
        var report = new Wire.SidecarReport { ServiceResources = new Wire.ResourceSample { WorkingSetBytes = workingSet, MemoryLimitBytes = limit, Threads = 20 } };
        _telemetry.Add(service, instance, report);
    }

    /// <summary>Proposes two low-risk policy changes for b: b's timeout to c and a's timeout to b.</summary>
    private sealed class TwoPatchesAgent : IHealingAgent
    {
        public string Name => "two-patches";

        public IReadOnlyList<SnapshotSliceKey> Reads => [];

        public AgentOutput Analyze(MeshSnapshot snapshot, string service, CancellationToken cancellationToken) =>
            new(Name, service, AgentStatus.Ok, snapshot.Time)
            {
                Actions = service != "b" ? [] :
                [
                    new HealingAction("timeout.tighten", new PolicyPatch(new EdgeId("b", "c"), [new PolicyChange("clusters:c:timeout", "4s")]), "first", ActionRisk.Low)
                    {
                        Signal = [new EdgeId("b", "c")],
                    },
                    new HealingAction("timeout.tighten", new PolicyPatch(new EdgeId("a", "b"), [new PolicyChange("clusters:b:timeout", "900ms")]), "second", ActionRisk.Low)
                    {
                        Signal = [new EdgeId("a", "b")],
                    },
                ],
            };
    }

    /// <summary>A policy actuator whose first apply throws what no actuator is meant to throw.</summary>
    private sealed class ThrowingOnceActuator(PolicyActuator inner) : IActuator<PolicyPatch, PolicyUndo>
    {
        public int Calls { get; private set; }

        public Task<PolicyUndo> ApplyAsync(PolicyPatch command, string actor, CancellationToken cancellationToken) =>
            ++Calls == 1 ? throw new InvalidOperationException("a bug in an actuator") : inner.ApplyAsync(command, actor, cancellationToken);

        public Task UndoAsync(PolicyPatch command, PolicyUndo undo, string actor, CancellationToken cancellationToken) => inner.UndoAsync(command, undo, actor, cancellationToken);
    }

    private sealed class ThrowingAgent : IHealingAgent
    {
        public string Name => "broken";

        public IReadOnlyList<SnapshotSliceKey> Reads => [];

        public AgentOutput Analyze(MeshSnapshot snapshot, string service, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("broken on purpose");
    }

    private sealed class UnsourcedAgent : IHealingAgent
    {
        private static readonly SnapshotSliceKey<EdgesSlice> Unsourced = new("unsourced");

        public string Name => "unsourced";

        public IReadOnlyList<SnapshotSliceKey> Reads => [Unsourced];

        public AgentOutput Analyze(MeshSnapshot snapshot, string service, CancellationToken cancellationToken)
        {
            snapshot.Get(Unsourced);
            return new AgentOutput(Name, service, AgentStatus.Ok, snapshot.Time);
        }
    }
}
