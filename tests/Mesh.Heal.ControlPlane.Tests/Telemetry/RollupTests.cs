using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.TimeSeries;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Tests.Telemetry;

/// <summary>Telemetry rollups through the aggregator into the store. Runs once per database: see the two subclasses at the end of the file.</summary>
public abstract class RollupTests
{
    private protected abstract Task<TestStore> OpenAsync();

    private static Wire.SidecarReport Report(long requests, long serverErrors, long latencyBucket5ms)
    {
        var report = new Wire.SidecarReport { SidecarResources = new Wire.ResourceSample { WorkingSetBytes = 1000 * requests, Threads = 10 } };
        report.LatencyBoundsMs.Add(LatencyHistogram.BoundsMs);
        var cluster = new Wire.ClusterReport { Cluster = "backend", Requests = requests, Success = requests - serverErrors, ServerErrors = serverErrors, LatencySumMs = 4 * requests };
        var counts = new long[LatencyHistogram.BucketCount];
        counts[2] = latencyBucket5ms;
        cluster.LatencyCounts.Add(counts);
        report.Clusters.Add(cluster);
        return report;
    }

    [Fact]
    public async Task Reports_AreSummedIntoEveryResolution_AcrossSidecars()
    {
        using var test = await OpenAsync();
        var aggregator = new TelemetryAggregator(test.Time);
        var start = test.Time.GetUtcNow();

        aggregator.Add("orders", "a", Report(10, 1, 10));
        aggregator.Add("orders", "b", Report(20, 0, 20));
        test.Time.Advance(TimeSpan.FromSeconds(1));
        aggregator.Add("orders", "a", Report(5, 5, 5));
        var (rollups, resources) = aggregator.Drain();
        test.Store.AddRollups(rollups, resources);

        var seconds = test.Store.Rollups("orders", TimeSpan.FromSeconds(1), start, start.AddMinutes(1));
        Assert.Equal([30L, 5L], seconds.Select(r => r.Requests));
        Assert.Equal([1L, 5L], seconds.Select(r => r.ServerErrors));
        Assert.Equal(30, seconds[0].LatencyCounts[2]);
        Assert.Equal(2, seconds[0].Reports);
        var minute = Assert.Single(test.Store.Rollups("orders", TimeSpan.FromMinutes(1), start.AddMinutes(-1), start.AddMinutes(1)));
        Assert.Equal(35, minute.Requests);
        Assert.Equal(35, minute.LatencyCounts[2]);
        Assert.Equal(35, Assert.Single(test.Store.Rollups("orders", TimeSpan.FromHours(1), start.AddHours(-1), start.AddHours(1))).Requests);
        var peak = test.Store.ResourceRollups("orders", TimeSpan.FromMinutes(1), start.AddMinutes(-1), start.AddMinutes(1)).Single(r => r.Instance == "a");
        Assert.Equal(10_000, peak.WorkingSetMax);
        Assert.Equal(2, peak.Samples);
    }

    [Fact]
    public async Task Sums_NearTheLargestCount_SaturateInMemoryAndInTheStore_NeverWrapNegative()
    {
        // The validator refuses such counts; this is the second line: sums that cannot wrap even if one slipped through.
        using var test = await OpenAsync();
        var aggregator = new TelemetryAggregator(test.Time);
        var start = test.Time.GetUtcNow();
        var big = Report(long.MaxValue - 1, 0, long.MaxValue - 1);
        big.Clusters[0].LatencySumMs = double.MaxValue;

        aggregator.Add("orders", "a", big);
        aggregator.Add("orders", "b", big);
        var first = aggregator.Drain();
        var row = Assert.Single(first.Rollups, r => r.Resolution == TimeSpan.FromSeconds(1));
        Assert.Equal(long.MaxValue, row.Requests);
        Assert.Equal(long.MaxValue, row.LatencyCounts[2]);
        Assert.True(double.IsFinite(row.LatencySumMs));
        test.Store.AddRollups(first.Rollups, first.Resources);
        aggregator.Add("orders", "a", big);
        var second = aggregator.Drain();
        test.Store.AddRollups(second.Rollups, second.Resources);

        var stored = Assert.Single(test.Store.Rollups("orders", TimeSpan.FromSeconds(1), start, start.AddSeconds(1)));
        Assert.Equal(long.MaxValue, stored.Requests);
        Assert.Equal(long.MaxValue, stored.Success);
        Assert.Equal(long.MaxValue, stored.LatencyCounts[2]);
        Assert.True(double.IsFinite(stored.LatencySumMs));
        Assert.Equal(long.MaxValue, Assert.Single(test.Store.RollupsTo("backend", TimeSpan.FromSeconds(1), start, start.AddSeconds(1))).Requests);
        var window = Assert.Single(aggregator.Window(start, start.AddSeconds(1)), w => w.Live.Instance == "a");
        Assert.Equal(long.MaxValue, window.Counts.Requests);
        Assert.Equal(long.MaxValue, window.Latency[2]);
    }

    [Fact]
    public async Task Flushes_AddToTheSameBucket()
    {
        using var test = await OpenAsync();
        var aggregator = new TelemetryAggregator(test.Time);
        var start = test.Time.GetUtcNow();
        aggregator.Add("orders", "a", Report(10, 0, 10));
        var first = aggregator.Drain();
        test.Store.AddRollups(first.Rollups, first.Resources);
        aggregator.Add("orders", "a", Report(7, 0, 7));
        var second = aggregator.Drain();
        test.Store.AddRollups(second.Rollups, second.Resources);

        var bucket = Assert.Single(test.Store.Rollups("orders", TimeSpan.FromSeconds(1), start, start.AddSeconds(1)));
        Assert.Equal(17, bucket.Requests);
        Assert.Equal(17, bucket.LatencyCounts[2]);
    }

    [Fact]
    public async Task Prune_DropsEachResolutionPastItsRetention()
    {
        using var test = await OpenAsync();
        var aggregator = new TelemetryAggregator(test.Time);
        var start = test.Time.GetUtcNow();
        aggregator.Add("orders", "a", Report(10, 0, 10));
        var (rollups, resources) = aggregator.Drain();
        test.Store.AddRollups(rollups, resources);
        (DateTimeOffset From, DateTimeOffset To) all = (start.AddDays(-1), start.AddDays(1));

        test.Time.Advance(TimeSpan.FromMinutes(61));
        test.Store.PruneRollups(test.Time.GetUtcNow(), TelemetryAggregator.Resolutions);
        Assert.Empty(test.Store.Rollups("orders", TimeSpan.FromSeconds(1), all.From, all.To));
        Assert.Single(test.Store.Rollups("orders", TimeSpan.FromMinutes(1), all.From, all.To));

        test.Time.Advance(TimeSpan.FromDays(7));
        test.Store.PruneRollups(test.Time.GetUtcNow(), TelemetryAggregator.Resolutions);
        Assert.Empty(test.Store.Rollups("orders", TimeSpan.FromMinutes(1), all.From, all.To));
        Assert.Single(test.Store.Rollups("orders", TimeSpan.FromHours(1), all.From, all.To));

        test.Time.Advance(TimeSpan.FromDays(400));
        test.Store.PruneRollups(test.Time.GetUtcNow(), TelemetryAggregator.Resolutions);
        Assert.Empty(test.Store.Rollups("orders", TimeSpan.FromHours(1), all.From, all.To));
        Assert.Empty(test.Store.ResourceRollups("orders", TimeSpan.FromHours(1), all.From, all.To));
    }
}

/// <summary><see cref="RollupTests"/> on SQLite.</summary>
public sealed class SqliteRollupTests : RollupTests
{
    private protected override Task<TestStore> OpenAsync() => Task.FromResult(new TestStore());
}

/// <summary><see cref="RollupTests"/> on PostgreSQL, a fresh database per test.</summary>
public sealed class PostgresRollupTests(PostgresFixture postgres) : RollupTests, IClassFixture<PostgresFixture>
{
    private protected override Task<TestStore> OpenAsync() => postgres.StoreAsync();
}
