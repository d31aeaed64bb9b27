using Google.Protobuf.WellKnownTypes;
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

    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static readonly TelemetryLimits Limits = new(MaxClusters: 2, MaxCount: 10_000_000, MaxClockSkew: TimeSpan.FromMinutes(5));

    private static TelemetryValidation Validate(Wire.SidecarReport report) => TelemetryValidator.Validate(report, Limits, Now);

    [Fact]
    public void Validate_WellFormed_HasNoErrors()
    {
        var report = Valid();
        report.Time = Timestamp.FromDateTimeOffset(Now.AddSeconds(-1));
        report.Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1));
        report.SidecarResources = new Wire.ResourceSample { WorkingSetBytes = 100_000_000, Threads = 30, MemoryLimitBytes = 1L << 30 };
        var c = report.Clusters[0];
        c.Requests = 10;
        c.Success = 7;
        c.ServerErrors = 2;
        c.Retries = 1;
        c.Timeouts = 2;
        c.Fallbacks = 3;
        c.CallerFailures = 0;
        c.LatencyCounts[3] = 10;
        c.LatencySumMs = 80;

        var validation = Validate(report);

        Assert.True(validation.IsValid, string.Join("; ", validation.Errors));
        Assert.Null(validation.Reason);
    }

    [Fact]
    public void Validate_RequestsThatStartedEarlierFinishNow_IsAccepted()
    {
        // A request started in the previous interval finishes in this one: no requests, one success, one latency count.
        var report = Valid();
        var c = report.Clusters[0];
        c.Requests = 0;
        c.Success = 1;
        c.LatencyCounts[5] = 1;
        c.LatencySumMs = 40;

        Assert.True(Validate(report).IsValid);
    }

    [Theory]
    [InlineData("negative", "clusters[0].timeouts", "count")]
    [InlineData("max", "clusters[0].requests", "count")]
    [InlineData("huge", "clusters[0].success", "count")]
    [InlineData("buckets", "clusters[0].latencyCounts", "histogram")]
    [InlineData("bucket huge", "clusters[0].latencyCounts[2]", "histogram")]
    [InlineData("histogram total", "clusters[0].latencyCounts", "histogram")]
    [InlineData("bounds", "latencyBoundsMs", "histogram")]
    [InlineData("name", "clusters[0].cluster", "name")]
    [InlineData("control characters", "clusters[0].cluster", "name")]
    [InlineData("long name", "clusters[0].cluster", "name")]
    [InlineData("duplicate", "clusters[1].cluster", "name")]
    [InlineData("sum NaN", "clusters[0].latencySumMs", "latency")]
    [InlineData("sum inf", "clusters[0].latencySumMs", "latency")]
    [InlineData("sum 1e308", "clusters[0].latencySumMs", "latency")]
    [InlineData("sum negative", "clusters[0].latencySumMs", "latency")]
    [InlineData("success > requests", "clusters[0].success", "inconsistent")]
    [InlineData("fallbacks > requests", "clusters[0].fallbacks", "inconsistent")]
    [InlineData("caller failures > requests", "clusters[0].callerFailures", "inconsistent")]
    [InlineData("attempts > requests + retries", "clusters[0]", "inconsistent")]
    [InlineData("resources negative", "sidecarResources.workingSetBytes", "resources")]
    [InlineData("resources threads", "serviceResources.threads", "resources")]
    [InlineData("resources huge", "sidecarResources.memoryLimitBytes", "resources")]
    [InlineData("time future", "time", "time")]
    [InlineData("time past", "time", "time")]
    [InlineData("time invalid", "time", "time")]
    [InlineData("interval", "interval", "time")]
    [InlineData("policy version", "policyVersion", "count")]
    [InlineData("too many", "clusters", "clusters")]
    public void Validate_Malformed_NamesTheField(string fault, string field, string reason)
    {
        var report = Valid();
        var c = report.Clusters[0];
        switch (fault)
        {
            case "negative": c.Timeouts = -1; break;
            case "max": c.Requests = long.MaxValue; break;
            case "huge": c.Requests = 5; c.Success = 10_000_001; break;
            case "buckets": c.LatencyCounts.Add(0); break;
            case "bucket huge": c.LatencyCounts[2] = long.MaxValue; break;
            case "histogram total": c.LatencyCounts[0] = 6_000_000; c.LatencyCounts[1] = 6_000_000; break;
            case "bounds": report.LatencyBoundsMs[0] = 2; break;
            case "name": c.Cluster = " "; break;
            case "control characters": c.Cluster = "back\r\nend"; break;
            case "long name": c.Cluster = new string('a', 254); break;
            case "duplicate": report.Clusters.Add(c.Clone()); break;
            case "sum NaN": c.LatencySumMs = double.NaN; break;
            case "sum inf": c.LatencySumMs = double.PositiveInfinity; break;
            case "sum 1e308": c.LatencySumMs = 1e308; break;
            case "sum negative": c.LatencySumMs = -1; break;
            case "success > requests": c.Requests = 2; c.Success = 3; break;
            case "fallbacks > requests": c.Requests = 2; c.Success = 0; c.Fallbacks = 3; break;
            case "caller failures > requests": c.Requests = 2; c.Success = 0; c.CallerFailures = 3; break;
            case "attempts > requests + retries": c.Requests = 2; c.Success = 1; c.ServerErrors = 2; c.Retries = 0; break;
            case "resources negative": report.SidecarResources = new Wire.ResourceSample { WorkingSetBytes = -1 }; break;
            case "resources threads": report.ServiceResources = new Wire.ResourceSample { Threads = -5 }; break;
            case "resources huge": report.SidecarResources = new Wire.ResourceSample { MemoryLimitBytes = long.MaxValue }; break;
            case "time future": report.Time = Timestamp.FromDateTimeOffset(Now.AddHours(1)); break;
            case "time past": report.Time = Timestamp.FromDateTimeOffset(Now.AddDays(-3)); break;
            case "time invalid": report.Time = new Timestamp { Seconds = long.MaxValue, Nanos = -1 }; break;
            case "interval": report.Interval = new Duration { Seconds = -1 }; break;
            case "policy version": report.PolicyVersion = -1; break;
            case "too many": report.Clusters.Add(new Wire.ClusterReport { Cluster = "a" }); report.Clusters.Add(new Wire.ClusterReport { Cluster = "b" }); break;
        }

        var validation = Validate(report);

        Assert.Contains(validation.Errors, e => e.Field == field);
        Assert.Equal(reason, validation.Reason);
    }

    [Theory]
    [InlineData("orders-7f9c-x2", true)]
    [InlineData("10.0.0.7:8080", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("pod\n", false)]
    [InlineData("zoë", false)]
    public void IsName_PrintableAsciiUpTo253(string name, bool accepted)
    {
        Assert.Equal(accepted, TelemetryValidator.IsName(name));
        Assert.False(TelemetryValidator.IsName(new string('a', 254)));
        Assert.True(TelemetryValidator.IsName(new string('a', 253)));
    }

    [Theory]
    [InlineData(null, null, "identity:")]
    [InlineData("Orders", "orders-1", "identity.service")]
    [InlineData("orders", "", "identity.instance")]
    [InlineData("orders", "orders 1", "identity.instance")]
    [InlineData("orders", "long", "identity.instance")]
    public void IdentityError_NamesTheField(string? service, string? instance, string field)
    {
        var identity = service is null ? null : new Wire.SidecarIdentity { Service = service, Instance = instance == "long" ? new string('x', 1024) : instance! };

        var error = TelemetryValidator.IdentityError(identity);

        Assert.NotNull(error);
        Assert.StartsWith(field, error, StringComparison.Ordinal);
        Assert.True(error.Length < 400, "the message holds a shortened name, not 1 KB of it");
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
