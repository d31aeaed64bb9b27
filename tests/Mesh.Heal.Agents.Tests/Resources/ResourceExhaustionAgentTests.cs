using Mesh.Heal.Agents.Anomalies;
using Mesh.Heal.Agents.Resources;
using Mesh.Heal.Healing;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Tests.Resources;

/// <summary>The resource exhaustion agent on recorded snapshots.</summary>
public class ResourceExhaustionAgentTests
{
    private const double Mb = 1024 * 1024;
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 6, 0, 0, TimeSpan.Zero);
    private readonly ResourceExhaustionAgent _agent = new();

    [Fact]
    public void Analyze_TwoReplicasLeaking_FindsBothAndCleansTheMostUrgentOne()
    {
        var snapshot = Snapshot(
            Leaking("b-1", 30 * Mb), Leaking("b-2", 60 * Mb), Flat("b-3")) with { Cleanups = Cleanup("b", "webhook") };

        var output = _agent.Analyze(snapshot, "b", CancellationToken.None);

        Assert.Empty(AgentOutputValidator.Validate(output));
        var leaks = output.Findings.Where(f => f.Kind == "resource.leak").OrderBy(f => f.Subject).ToList();
        Assert.Equal(["b-1/memory", "b-2/memory"], leaks.Select(f => f.Subject));
        Assert.All(leaks, f => Assert.Equal(FindingSeverity.Critical, f.Severity));
        Assert.Contains("reaches its limit", leaks[0].Summary, StringComparison.Ordinal);
        var action = Assert.Single(output.Actions);
        Assert.Equal("resource.cleanup", action.Kind);
        Assert.Equal("b/b-2", action.Target);
        Assert.Equal(ActionRisk.Medium, action.Risk);
        Assert.True(action.OneShot);
        Assert.Equal(new Cleanup("b", "b-2", "memory", "webhook"), action.Command);
        Assert.Contains("one of 3 replicas", action.Description, StringComparison.Ordinal);
        Assert.Equal(AgentStatus.Critical, output.Status);
    }

    [Fact]
    public void Analyze_ACleanupInFlight_ProposesNoOther()
    {
        var snapshot = Snapshot(Leaking("b-1", 30 * Mb), Leaking("b-2", 60 * Mb)) with
        {
            Cleanups = Cleanup("b", "webhook"),
            Actions = [new RecentAction("k", "resource.cleanup", "b/b-2", "applied", Now.AddMinutes(-1), Now.AddMinutes(-1)) { Service = "b" }],
        };

        var output = _agent.Analyze(snapshot, "b", CancellationToken.None);

        Assert.Empty(output.Actions);
        // b-2's series is read from its cleanup on, too short to judge: only b-1 leaks.
        Assert.Equal("b-1/memory", Assert.Single(output.Findings).Subject);
    }

    [Fact]
    public void Analyze_NoCleanupConfigured_OnlyReports()
    {
        var output = _agent.Analyze(Snapshot(Leaking("b-1", 30 * Mb)), "b", CancellationToken.None);

        Assert.Single(output.Findings);
        Assert.Empty(output.Actions);
    }

    [Fact]
    public void Analyze_LeakFarFromTheLimit_ReportsWithoutCleaning()
    {
        // 1 MiB/h towards 4 GiB: months away, past the cleanup lead.
        var slow = new ResourceSeries("b", "b-1", "memory", "prometheus", Points(i => 200 * Mb + Mb * i / 60.0), 4096 * Mb);
        var output = _agent.Analyze(Snapshot(slow) with { Cleanups = Cleanup("b", "kubernetes") }, "b", CancellationToken.None);

        Assert.Equal(FindingSeverity.Info, Assert.Single(output.Findings).Severity);
        Assert.Empty(output.Actions);
    }

    [Fact]
    public void Analyze_Anomalies_BecomeFindingsGradedByScore()
    {
        var snapshot = Snapshot() with
        {
            Anomalies =
            [
                new AnomalyReading("b", "b-1/c", "latency.p99", Now, 480, 40, 0.97),
                new AnomalyReading("b", "b-1/c", "requests", Now, 90, 100, 0.55),
                new AnomalyReading("c", "c-1", "memory", Now, 1, 1, 0.99),
            ],
        };

        var output = _agent.Analyze(snapshot, "b", CancellationToken.None);

        Assert.Equal(2, output.Findings.Count);
        var latency = Assert.Single(output.Findings, f => f.Kind == "anomaly.latency.p99");
        Assert.Equal(FindingSeverity.Warning, latency.Severity);
        Assert.Equal("b-1/c", latency.Subject);
        Assert.Equal(FindingSeverity.Info, Assert.Single(output.Findings, f => f.Kind == "anomaly.requests").Severity);
    }

    private static Inputs Snapshot(params ResourceSeries[] series) => new(Now) { Services = ["b"], Resources = series };

    /// <summary>What the resource exhaustion agent reads, and nothing else: its resources, anomalies, the healing history,
    /// and the edges (for the signal of a cleanup).</summary>
    private sealed record Inputs(DateTimeOffset Time)
    {
        public IReadOnlyList<string> Services { get; init; } = [];

        public IReadOnlyList<ResourceSeries> Resources { get; init; } = [];

        public IReadOnlyDictionary<string, string> Cleanups { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public IReadOnlyList<AnomalyReading> Anomalies { get; init; } = [];

        public IReadOnlyList<RecentAction> Actions { get; init; } = [];

        public static implicit operator MeshSnapshot(Inputs inputs) => new MeshSnapshot(inputs.Time) { Services = inputs.Services }
            .With(ResourcesSlice.Key, new ResourcesSlice { Series = inputs.Resources, Cleanups = inputs.Cleanups })
            .With(AnomaliesSlice.Key, new AnomaliesSlice { Readings = inputs.Anomalies })
            .With(HealingHistorySlice.Key, new HealingHistorySlice { Actions = inputs.Actions })
            .With(EdgesSlice.Key, new EdgesSlice());
    }

    private static Dictionary<string, string> Cleanup(string service, string method) => new(StringComparer.Ordinal) { [service] = method };

    // 2 h at 1 min with a GC sawtooth; 512 MiB limit.
    private static ResourceSeries Leaking(string instance, double perHour) =>
        new("b", instance, "memory", "prometheus", Points(i => 200 * Mb + perHour * i / 60.0 + 2 * Mb * (i % 10) + LeakDetectorTests.Noise(i, Mb)), 512 * Mb);

    private static ResourceSeries Flat(string instance) =>
        new("b", instance, "memory", "prometheus", Points(i => 200 * Mb + LeakDetectorTests.Noise(i, 4 * Mb)), 512 * Mb);

    private static List<SeriesPoint> Points(Func<int, double> value) =>
        Enumerable.Range(0, 120).Select(i => new SeriesPoint(Now.AddMinutes(i - 120), value(i))).ToList();
}
