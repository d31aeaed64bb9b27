using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Options;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Tests.Telemetry;

/// <summary>The edges source over a real store and aggregator: live observations, policies, and the per-second history read
/// at most every <see cref="EdgesSource.HistoryRefresh"/>.</summary>
public sealed class EdgesSourceTests : IDisposable
{
    private readonly TestStore _test = new();
    private readonly TelemetryAggregator _telemetry;
    private readonly EdgesSource _source;

    public EdgesSourceTests()
    {
        _telemetry = new TelemetryAggregator(_test.Time);
        _source = new EdgesSource(_test.Store, _telemetry, Options.Create(new HealingOptions { LiveWindow = TimeSpan.FromSeconds(3) }));
    }

    public void Dispose() => _test.Dispose();

    [Fact]
    public async Task Build_LiveObservationsAndPolicies_WithTheClusterAsTheUpstream()
    {
        _test.Policies().Submit("service: b\nclusters:\n  c:\n    timeout: 1s\n", null, "api", "alice");
        Report("b", "b-1", "c", requests: 10, errors: 4);

        var services = new SortedSet<string>(StringComparer.Ordinal);
        _source.AddServices(_test.Time.GetUtcNow(), services);
        var edges = (await _source.AddToAsync(new MeshSnapshot(_test.Time.GetUtcNow()), CancellationToken.None)).Get(EdgesSlice.Key);

        Assert.Equal(["b", "c"], services);
        var edge = Assert.Single(edges.Edges);
        Assert.Equal(("b", "b-1", "c", "c", 4L), (edge.Caller, edge.Instance, edge.Cluster, edge.Upstream, edge.Counts.ServerErrors));
        Assert.Equal(TimeSpan.FromSeconds(1), edges.PolicyOf("b", "c")!.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(3), edges.LiveWindow);
    }

    [Fact]
    public async Task Build_History_IsReadAtMostEveryTenSeconds()
    {
        _test.Store.SidecarConnected("b", "b-1", "z", "1", "conn-1");
        Report("b", "b-1", "c", requests: 10, errors: 10);
        _test.Time.Advance(TimeSpan.FromSeconds(1));
        Flush();
        var first = await HistoryAsync();

        Report("b", "b-1", "c", requests: 10, errors: 0);
        _test.Time.Advance(TimeSpan.FromSeconds(1));
        Flush();
        var cached = await HistoryAsync();
        _test.Time.Advance(EdgesSource.HistoryRefresh);
        var refreshed = await HistoryAsync();

        Assert.Equal([(10L, 10L)], first["b/c"].Select(s => (s.Attempts, s.Failures)));
        Assert.Same(first, cached);
        Assert.Equal([(10L, 10L), (10L, 0L)], refreshed["b/c"].Select(s => (s.Attempts, s.Failures)));
    }

    private async Task<IReadOnlyDictionary<string, IReadOnlyList<EdgeSample>>> HistoryAsync() =>
        (await _source.AddToAsync(new MeshSnapshot(_test.Time.GetUtcNow()), CancellationToken.None)).Get(EdgesSlice.Key).History;

    private void Flush()
    {
        var (rollups, resources) = _telemetry.Drain();
        _test.Store.AddRollups(rollups, resources);
    }

    private void Report(string caller, string instance, string cluster, long requests, long errors)
    {
        var report = new Wire.SidecarReport();
        report.LatencyBoundsMs.Add(LatencyHistogram.BoundsMs);
        var c = new Wire.ClusterReport { Cluster = cluster, Requests = requests, Success = requests - errors, ServerErrors = errors, Health = Wire.HealthState.Healthy, Breaker = Wire.BreakerState.Closed };
        var counts = new long[LatencyHistogram.BucketCount];
        counts[2] = requests;
        c.LatencyCounts.Add(counts);
        report.Clusters.Add(c);
        _telemetry.Add(caller, instance, report);
    }
}
