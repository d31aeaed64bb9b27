using Mesh.Heal.Agents.CircuitBreaker;
using Mesh.Heal.Healing;
using Mesh.Heal.Health;
using Mesh.Heal.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.Agents.Tests.CircuitBreaker;

/// <summary>The circuit breaker agent on recorded snapshots: each test states what the sidecars reported and what the agent must make of it.</summary>
public class CircuitBreakerAgentTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly CircuitBreakerAgent _agent = new(new CircuitBreakerAgentOptions { MinimumHold = TimeSpan.FromSeconds(30) });

    [Fact]
    public void Analyze_QuorumOfCallersFailing_FindsTheUpstreamFailing()
    {
        var snapshot = Snapshot(Edge("b", "b-1", "c", 10, 40), Edge("b", "b-2", "c", 5, 45), Edge("d", "d-1", "c", 20, 30));

        var output = Analyze(snapshot, "c");

        var finding = Assert.Single(output.Findings, f => f.Kind == "upstream.unhealthy");
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Equal("failing", finding.Evidence["state"]);
        Assert.Equal("3 (quorum 2)", finding.Evidence["failingCallers"]);
        Assert.Equal(["b", "d"], finding.Services);
        Assert.Equal("unknown", finding.Evidence["recovery.eta"]);
        Assert.Equal(AgentStatus.Critical, output.Status);
    }

    [Fact]
    public void Analyze_OneNoisyCallerOfThree_IsItsOwnFailure_AndNothingActsFleetWide()
    {
        var snapshot = Snapshot(Edge("b", "b-1", "c", 5, 45), Edge("b", "b-2", "c", 50, 0), Edge("d", "d-1", "c", 50, 0)) with
        {
            Policies = Policies(("b", Cluster("c", fallback: true))),
        };

        var output = Analyze(snapshot, "c");

        var local = Assert.Single(output.Findings);
        Assert.Equal("caller.local-failure", local.Kind);
        Assert.Equal("b/b-1", local.Subject);
        Assert.Equal("1 of 3 (quorum 2)", local.Evidence["fleetFailingCallers"]);
        Assert.Empty(output.Actions);
    }

    [Fact]
    public void Analyze_UpstreamSlowerThanCallersCallersWait_ForcesTheCallersFallbackAndTightensItsTimeout()
    {
        // a -> b (a waits 1 s, no fallback) -> c (b waits 5 s, has a fallback); c answers in 3 s.
        var snapshot = Snapshot(Edge("b", "b-1", "c", 40, 0, p99: 3000), Edge("a", "a-1", "b", 0, 40, p99: 1000)) with
        {
            Policies = Policies(("b", Cluster("c", fallback: true, timeout: "5s")), ("a", Cluster("b", fallback: false, timeout: "1s"))),
        };

        var output = Analyze(snapshot, "c");

        Assert.Equal("slow", output.Findings.Single(f => f.Kind == "upstream.unhealthy").Evidence["state"]);
        var risk = output.Findings.Single(f => f.Kind == "cascade.risk" && f.Subject == "b");
        Assert.Equal(FindingSeverity.Critical, risk.Severity);
        Assert.Equal("c <- b", risk.Evidence["path"]);
        Assert.Equal("1.00", risk.Evidence["timeoutPressure"]);
        var transitive = output.Findings.Single(f => f.Kind == "cascade.risk" && f.Subject == "a");
        Assert.Equal("c <- b <- a", transitive.Evidence["path"]);

        var fallback = output.Actions.Single(a => a.Kind == "fallback.activate");
        Assert.Equal(("b/c", ActionRisk.Low, true), (fallback.Target, fallback.Risk, fallback.Temporary));
        var patch = Assert.IsType<PolicyPatch>(fallback.Command);
        Assert.Equal(new EdgeId("b", "c"), patch.Edge);
        Assert.Equal("forceFallback", Assert.Single(patch.Changes, c => c.Path == "clusters:c:override").Value);
        Assert.Equal([new EdgeId("b", "c"), new EdgeId("a", "b")], fallback.Signal);
        var timeout = output.Actions.Single(a => a.Kind == "timeout.tighten");
        Assert.Equal(ActionRisk.Low, timeout.Risk);
        var tighter = Assert.Single(Assert.IsType<PolicyPatch>(timeout.Command).Changes);
        Assert.Equal(("clusters:c:timeout", "500ms", "5s"), (tighter.Path, tighter.Value, tighter.Previous));
        Assert.Equal("b: clusters.c.timeout: 5s -> 500ms", timeout.Diff);
    }

    [Theory]
    [InlineData(HealthState.Healthy, true)] // failing through a closed breaker: its fallback is not engaged, so it is forced
    [InlineData(HealthState.Recovering, false)] // its own breaker tripped and a probe or the ramp decides: the fallback is engaged already
    public void Analyze_DirectCallerSeesUpstreamFail_ForcesItsFallbackUnlessItIsRecovering(HealthState health, bool forced)
    {
        var snapshot = Snapshot(Edge("b", "b-1", "c", 2, 18) with { Health = health }) with { Policies = Policies(("b", Cluster("c", fallback: true))) };

        var output = Analyze(snapshot, "c");

        Assert.Equal("failing", output.Findings.Single(f => f.Kind == "upstream.unhealthy").Evidence["state"]);
        Assert.Equal(forced, output.Actions.Any(a => a.Kind == "fallback.activate"));
    }

    [Fact]
    public void Analyze_CallerWithoutFallback_OnlyProposesItsTimeout()
    {
        var snapshot = Snapshot(Edge("b", "b-1", "c", 40, 0, p99: 3000), Edge("a", "a-1", "b", 0, 40, p99: 1000)) with
        {
            Policies = Policies(("b", Cluster("c", fallback: false, timeout: "5s")), ("a", Cluster("b", fallback: false, timeout: "1s"))),
        };

        var output = Analyze(snapshot, "c");

        var action = Assert.Single(output.Actions);
        Assert.Equal(("timeout.tighten", ActionRisk.Medium), (action.Kind, action.Risk));
        Assert.False(action.AppliesAutomatically(dryRun: false));
        Assert.Contains("no fallback for c: add one", output.Findings.Single(f => f.Subject == "b").Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_CallerWhoseBreakerAlreadyServesTheFallback_IsNotAtRisk()
    {
        var snapshot = Snapshot(Edge("b", "b-1", "c", 0, 12, breaker: BreakerState.Open), Edge("a", "a-1", "b", 40, 0)) with
        {
            Policies = Policies(("b", Cluster("c", fallback: true)), ("a", Cluster("b", fallback: false, timeout: "1s"))),
        };

        var output = Analyze(snapshot, "c");

        Assert.Equal("failing", output.Findings.Single(f => f.Kind == "upstream.unhealthy").Evidence["state"]);
        Assert.DoesNotContain(output.Findings, f => f.Kind == "cascade.risk");
        Assert.Empty(output.Actions);
    }

    [Fact]
    public void Flow_HeldOnFallback_VerdictHeldUntilTheHoldEnds_ThenReleased()
    {
        var activated = Start;
        var held = Snapshot(Edge("b", "b-1", "c", 0, 0, requests: 50, fallbacks: 50)) with
        {
            Policies = Policies(("b", Cluster("c", fallback: true, forced: true))),
            OpenIssues = new HashSet<string> { "circuit-breaker/c/upstream.unhealthy/" },
            Actions = [new RecentAction("fallback.activate:b/c:clusters:c:override", "fallback.activate", "b/c", "succeeded", activated, activated)],
        };

        _time.Advance(TimeSpan.FromSeconds(29));
        var during = Analyze(held with { Time = _time.GetUtcNow() }, "c");
        _time.Advance(TimeSpan.FromSeconds(2));
        var after = Analyze(held with { Time = _time.GetUtcNow() }, "c");

        var finding = Assert.Single(during.Findings, f => f.Kind == "upstream.unhealthy");
        Assert.Equal("held", finding.Evidence["state"]);
        Assert.Equal("30s", finding.Evidence["hold"]);
        Assert.Equal("held", during.Findings.Single(f => f.Kind == "cascade.risk" && f.Subject == "b").Evidence["fallback"]);
        Assert.Empty(during.Actions);
        Assert.Empty(after.Findings);
    }

    [Fact]
    public void Hold_DoublesForEachEarlierHoldWithinTheHour()
    {
        var earlier = Start.AddMinutes(-20);
        var snapshot = Snapshot(Edge("b", "b-1", "c", 0, 0, requests: 50, fallbacks: 50)) with
        {
            Time = Start.AddSeconds(45),
            Policies = Policies(("b", Cluster("c", fallback: true, forced: true))),
            OpenIssues = new HashSet<string> { "circuit-breaker/c/upstream.unhealthy/" },
            Actions =
            [
                new RecentAction("k", "fallback.activate", "b/c", "succeeded", Start, Start),
                new RecentAction("k", "fallback.activate", "b/c", "rolled_back", earlier, earlier.AddMinutes(1)),
            ],
        };

        var finding = Analyze(snapshot, "c").Findings.Single(f => f.Kind == "upstream.unhealthy");

        Assert.Equal("60s", finding.Evidence["hold"]);
    }

    [Fact]
    public void Analyze_PastOutages_EstimateRecoveryFromTheirMedian()
    {
        // Three past outages of 20 s each, and the current one started 5 s ago.
        var history = new List<EdgeSample>();
        foreach (var offset in new[] { -600, -400, -200 })
        {
            history.AddRange(Seconds(Start.AddSeconds(offset), 20, attempts: 10, failures: 10));
            history.AddRange(Seconds(Start.AddSeconds(offset + 20), 10, attempts: 10, failures: 0));
        }

        history.AddRange(Seconds(Start.AddSeconds(-5), 5, attempts: 10, failures: 10));
        var snapshot = Snapshot(Edge("b", "b-1", "c", 0, 40)) with { History = new Dictionary<string, IReadOnlyList<EdgeSample>> { ["b/c"] = history } };

        var finding = Analyze(snapshot, "c").Findings.Single(f => f.Kind == "upstream.unhealthy");

        Assert.Equal("15s", finding.Evidence["recovery.eta"]);
        Assert.Equal("0.60", finding.Evidence["recovery.confidence"]);
        Assert.Equal("3", finding.Evidence["pastOutages"]);
    }

    [Fact]
    public void Analyze_ProbesSucceeding_EstimateRecoveryAsTheRamp()
    {
        var snapshot = Snapshot(Edge("b", "b-1", "c", 3, 10, breaker: BreakerState.HalfOpen)) with
        {
            Policies = Policies(("b", Cluster("c", fallback: true) with { CircuitBreaker = new CircuitBreakerPolicy { RecoveryDuration = TimeSpan.FromSeconds(8) } })),
        };

        var finding = Analyze(snapshot, "c").Findings.Single(f => f.Kind == "upstream.unhealthy");

        Assert.Equal("8s", finding.Evidence["recovery.eta"]);
        Assert.Equal("0.90", finding.Evidence["recovery.confidence"]);
    }

    [Fact]
    public void Analyze_HistoryWithNoiseAndOutages_ProposesThresholdsThatTripOnlyOnOutages()
    {
        // 10 attempts a second; 3 s bursts of failures (noise) and two 20 s outages.
        var history = new List<EdgeSample>();
        var t = Start.AddMinutes(-30);
        foreach (var (seconds, failures) in new[] { (60, 0), (3, 10), (60, 0), (20, 10), (60, 0), (3, 10), (60, 0), (20, 10), (60, 0) })
        {
            history.AddRange(Seconds(t, seconds, attempts: 10, failures: failures));
            t = t.AddSeconds(seconds);
        }

        var snapshot = Snapshot() with
        {
            History = new Dictionary<string, IReadOnlyList<EdgeSample>> { ["b/c"] = history },
            Policies = Policies(("b", Cluster("c", fallback: true) with
            {
                CircuitBreaker = new CircuitBreakerPolicy { FailureRatio = 0.5, MinimumThroughput = 10, SamplingDuration = TimeSpan.FromSeconds(2) },
            })),
        };

        var output = Analyze(snapshot, "c");

        var finding = Assert.Single(output.Findings);
        Assert.Equal(("breaker.tuning", "b/c"), (finding.Kind, finding.Subject));
        Assert.StartsWith("2/2 outages tripped, 2 noise trips", finding.Evidence["replay.current"], StringComparison.Ordinal);
        Assert.StartsWith("2/2 outages tripped, 0 noise trips", finding.Evidence["replay.proposed"], StringComparison.Ordinal);
        var action = Assert.Single(output.Actions);
        Assert.Equal(("breaker.tune", ActionRisk.Medium), (action.Kind, action.Risk));
        var patch = Assert.IsType<PolicyPatch>(action.Command);
        Assert.Contains(patch.Changes, c => c.Path == "clusters:c:circuitBreaker:samplingDuration");

        // The rollback plan is the patch's typed inverse: the thresholds in force before, not text read back out of the diff.
        var inverse = Assert.IsType<PolicyPatch>(patch.Inverse);
        Assert.Equal(patch.Edge, inverse.Edge);
        Assert.Contains(inverse.Changes, c => c.Path == "clusters:c:circuitBreaker:samplingDuration" && c.Value == "2s");
        Assert.Equal(patch.Changes.Select(c => c.Path), inverse.Changes.Select(c => c.Path));
    }

    [Fact]
    public void Reads_TheEdgesAndTheHealingHistory_AndNothingElse()
    {
        Assert.Equal([EdgesSlice.Key, HealingHistorySlice.Key], _agent.Reads);
    }

    [Fact]
    public void Analyze_SnapshotWithoutADeclaredSlice_FailsNamingIt()
    {
        var snapshot = new MeshSnapshot(_time.GetUtcNow()) { Services = ["b", "c"] }
            .With(EdgesSlice.Key, new EdgesSlice { Edges = [Edge("b", "b-1", "c", 10, 40)] });

        var error = Assert.Throws<MissingSliceException>(() => _agent.Analyze(snapshot, "c", CancellationToken.None));

        Assert.Equal(HealingHistorySlice.Key, error.Key);
        Assert.Contains("'healing-history'", error.Message, StringComparison.Ordinal);
    }

    private AgentOutput Analyze(Inputs inputs, string service)
    {
        var output = _agent.Analyze(inputs.ToSnapshot(), service, CancellationToken.None);
        Assert.Empty(AgentOutputValidator.Validate(output));
        return output;
    }

    private Inputs Snapshot(params EdgeObservation[] edges) => new(_time.GetUtcNow())
    {
        Services = edges.SelectMany(e => new[] { e.Caller, e.Upstream }).Distinct().ToList(),
        Edges = edges,
    };

    private static EdgeObservation Edge(
        string caller, string instance, string cluster, long success, long errors, double p99 = 5, BreakerState breaker = BreakerState.Closed,
        long requests = -1, long fallbacks = 0) =>
        new(caller, instance, cluster, cluster, HealthState.Healthy, breaker,
            new EdgeCounts(requests < 0 ? success + errors : requests, success, errors, 0, 0, 0, 0, fallbacks, 0, 0), p99 / 2, p99);

    private static ClusterPolicy Cluster(string id, bool fallback, string timeout = "2s", bool forced = false)
    {
        DurationParser.TryParse(timeout, out var t);
        return new ClusterPolicy
        {
            Timeout = t,
            Fallback = fallback ? new FallbackPolicy { Cluster = id + "-backup" } : null,
            Override = forced ? BreakerOverride.ForceFallback : BreakerOverride.None,
        };
    }

    private Dictionary<string, PolicyView> Policies(params (string Service, ClusterPolicy Policy)[] policies) =>
        policies.GroupBy(p => p.Service).ToDictionary(
            g => g.Key,
            g => new PolicyView(g.Key, 1, new ResiliencePolicy
            {
                Clusters = g.ToDictionary(p => p.Policy.Fallback?.Cluster?.Replace("-backup", "", StringComparison.Ordinal) ?? ClusterOf(g.Key), p => p.Policy, StringComparer.OrdinalIgnoreCase),
            }, _time.GetUtcNow()));

    private static string ClusterOf(string service) => service == "a" ? "b" : "c";

    private static IEnumerable<EdgeSample> Seconds(DateTimeOffset from, int count, long attempts, long failures) =>
        Enumerable.Range(0, count).Select(i => new EdgeSample(from.AddSeconds(i), attempts, failures));

    /// <summary>What the circuit breaker reads, and nothing else: the edges slice and the healing history.</summary>
    private sealed record Inputs(DateTimeOffset Time)
    {
        public IReadOnlyList<string> Services { get; init; } = [];

        public IReadOnlyList<EdgeObservation> Edges { get; init; } = [];

        public IReadOnlyDictionary<string, PolicyView> Policies { get; init; } = new Dictionary<string, PolicyView>(StringComparer.Ordinal);

        public IReadOnlyDictionary<string, IReadOnlyList<EdgeSample>> History { get; init; } = new Dictionary<string, IReadOnlyList<EdgeSample>>(StringComparer.Ordinal);

        public IReadOnlySet<string> OpenIssues { get; init; } = new HashSet<string>(StringComparer.Ordinal);

        public IReadOnlyList<RecentAction> Actions { get; init; } = [];

        public MeshSnapshot ToSnapshot() => new MeshSnapshot(Time) { Services = Services }
            .With(EdgesSlice.Key, new EdgesSlice { Edges = Edges, Policies = Policies, History = History })
            .With(HealingHistorySlice.Key, new HealingHistorySlice { OpenIssues = OpenIssues, Actions = Actions });
    }
}
