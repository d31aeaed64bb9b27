using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.ControlPlane.Telemetry.Internal;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Time.Testing;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Tests.Telemetry;

public class TelemetryValidatorTests
{
    private static Wire.SidecarReport Valid()
    {
        var report = new Wire.SidecarReport();
        report.LatencyBoundsMs.Add(LatencyHistogram.BoundsMs);
        var cluster = new Wire.ClusterReport { Cluster = "backend", Requests = 1, Success = 1 };
        cluster.LatencyCounts.Add(new long[LatencyHistogram.BucketCount]);
        report.Clusters.Add(cluster);
        return report;
    }

    [Fact]
    public void Validate_WellFormed_HasNoErrors() => Assert.Empty(TelemetryValidator.Validate(Valid(), 10));

    [Theory]
    [InlineData("negative", "clusters[0]")]
    [InlineData("buckets", "clusters[0].latencyCounts")]
    [InlineData("bounds", "latencyBoundsMs")]
    [InlineData("name", "clusters[0].cluster")]
    [InlineData("duplicate", "clusters[1].cluster")]
    [InlineData("sum", "clusters[0].latencySumMs")]
    [InlineData("too many", "clusters")]
    public void Validate_Malformed_NamesTheField(string fault, string field)
    {
        var report = Valid();
        var c = report.Clusters[0];
        switch (fault)
        {
            case "negative": c.Timeouts = -1; break;
            case "buckets": c.LatencyCounts.Add(0); break;
            case "bounds": report.LatencyBoundsMs[0] = 2; break;
            case "name": c.Cluster = " "; break;
            case "duplicate": report.Clusters.Add(c.Clone()); break;
            case "sum": c.LatencySumMs = double.NaN; break;
            case "too many": report.Clusters.Add(new Wire.ClusterReport { Cluster = "a" }); report.Clusters.Add(new Wire.ClusterReport { Cluster = "b" }); break;
        }

        Assert.Contains(TelemetryValidator.Validate(report, 2), e => e.Field == field);
    }

    [Fact]
    public void TokenBucket_AllowsTheBurst_ThenTheRate()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(rate: 10, burst: 20, time);

        Assert.Equal(20, Enumerable.Range(0, 30).Count(_ => bucket.TryTake()));
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(5, Enumerable.Range(0, 30).Count(_ => bucket.TryTake()));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(20, Enumerable.Range(0, 30).Count(_ => bucket.TryTake()));
    }
}
