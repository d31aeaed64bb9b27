using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.TimeSeries;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

[Collection(nameof(IntegrationCollection))]
public class TelemetryTests
{
    [Fact]
    public async Task SidecarReports_AreSummedIntoRollups_AndShownInStatus()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        await using var mesh = Support.Mesh.Start();
        var sidecar = await mesh.AddSidecarAsync(controlPlane, "orders-1");
        for (var i = 0; i < 25; i++)
        {
            await Support.Mesh.GetAsync(sidecar);
        }

        var from = DateTimeOffset.UtcNow.AddMinutes(-5);
        await Wait.UntilAsync(
            () => Task.FromResult(controlPlane.Store.Rollups("orders", TimeSpan.FromSeconds(1), from, from.AddMinutes(10), "backend").Sum(r => r.Requests) == 25),
            "the 1 s rollups hold the 25 requests");
        await Wait.UntilAsync(
            () => Task.FromResult(controlPlane.Store.Rollups("orders", TimeSpan.FromHours(1), from.AddHours(-1), from.AddHours(2), "backend").Sum(r => r.Requests) == 25),
            "the 1 h rollup holds the 25 requests");
        var rollups = controlPlane.Store.Rollups("orders", TimeSpan.FromSeconds(1), from, from.AddMinutes(10), "backend");
        Assert.Equal(25, rollups.Sum(r => r.Success));
        Assert.Equal(25, rollups.SelectMany(r => r.LatencyCounts).Sum());
        Assert.Contains(controlPlane.Store.ResourceRollups("orders", TimeSpan.FromSeconds(1), from, from.AddMinutes(10)), r => r.Target == "sidecar" && r.WorkingSetMax > 0);

        var status = await controlPlane.Control.GetStatusAsync(new Wire.GetStatusRequest());
        var cluster = status.Services.Single(s => s.Name == "orders").Sidecars.Single().Clusters.Single(c => c.Cluster == "backend");
        Assert.Equal(Wire.HealthState.Healthy, cluster.Health);
        Assert.Equal(Wire.BreakerState.Closed, cluster.Breaker);
    }

    [Fact]
    public async Task MalformedAndExcessReports_AreCountedAndDropped_TheStreamGoesOn()
    {
        await using var controlPlane = await TestControlPlane.StartAsync("--ControlPlane:Limits:MaxReportsPerSecond=5");
        using var channel = GrpcChannel.ForAddress(controlPlane.GrpcUri);
        var client = new Wire.Telemetry.TelemetryClient(channel);
        // Reports are trusted only from an instance with a live policy stream of its own.
        using var policy = await controlPlane.OpenPolicyStreamAsync(null, "orders", "raw-1");
        await policy.ResponseHeadersAsync;
        using var call = client.Report();
        var identity = new Wire.SidecarIdentity { Service = "orders", Instance = "raw-1" };

        await call.RequestStream.WriteAsync(Report(identity, requests: 3));
        await call.RequestStream.WriteAsync(Report(null, requests: -1));
        var wrongBuckets = Report(null, requests: 1);
        wrongBuckets.Clusters[0].LatencyCounts.Add(1);
        await call.RequestStream.WriteAsync(wrongBuckets);

        // The burst allowance is twice the rate: of 20 more reports at once, most are over the limit.
        for (var i = 0; i < 20; i++)
        {
            await call.RequestStream.WriteAsync(Report(null, requests: 1));
        }

        await call.RequestStream.CompleteAsync();
        var summary = await call.ResponseAsync;

        Assert.Equal(23, summary.Accepted + summary.Rejected);
        Assert.InRange(summary.Accepted, 2, 12);
        var metrics = await controlPlane.Http.GetStringAsync("/metrics");
        Assert.Contains("kind=\"telemetry_malformed\",reason=\"count\"} 1", metrics);
        Assert.Contains("kind=\"telemetry_malformed\",reason=\"histogram\"} 1", metrics);
        Assert.Contains("kind=\"telemetry_rate_limited\"}", metrics);
    }

    [Fact]
    public async Task InvalidCounts_AreRefusedAndCountedByReason_GoodReportsOfTheSameStreamStored()
    {
        await using var controlPlane = await TestControlPlane.StartAsync("--ControlPlane:Limits:MaxReportsPerSecond=100");
        using var channel = GrpcChannel.ForAddress(controlPlane.GrpcUri);
        // Reports are trusted only from an instance with a live policy stream of its own.
        using var policy = await controlPlane.OpenPolicyStreamAsync(null, "orders", "hostile-1");
        await policy.ResponseHeadersAsync;
        using var call = new Wire.Telemetry.TelemetryClient(channel).Report();
        var identity = new Wire.SidecarIdentity { Service = "orders", Instance = "hostile-1" };
        var from = DateTimeOffset.UtcNow.AddMinutes(-5);

        await call.RequestStream.WriteAsync(Report(identity, requests: 3));
        var wraps = Report(null, requests: long.MaxValue);
        var infinite = Report(null, requests: 2);
        infinite.Clusters[0].LatencySumMs = 1e308;
        var moreSuccessThanRequests = Report(null, requests: 2);
        moreSuccessThanRequests.Clusters[0].Success = 50;
        var negativeMemory = Report(null, requests: 1);
        negativeMemory.SidecarResources = new Wire.ResourceSample { WorkingSetBytes = -1 };
        var farFuture = Report(null, requests: 1);
        farFuture.Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30));
        foreach (var bad in new[] { wraps, infinite, moreSuccessThanRequests, negativeMemory, farFuture })
        {
            await call.RequestStream.WriteAsync(bad);
        }

        await call.RequestStream.WriteAsync(Report(null, requests: 4));
        await call.RequestStream.CompleteAsync();
        var summary = await call.ResponseAsync;

        Assert.Equal(2, summary.Accepted);
        Assert.Equal(5, summary.Rejected);
        await Wait.UntilAsync(
            () => Task.FromResult(controlPlane.Store.Rollups("orders", TimeSpan.FromSeconds(1), from, from.AddMinutes(10), "backend").Sum(r => r.Requests) == 7),
            "the two good reports (3 + 4 requests) in the 1 s rollups");
        var rollups = controlPlane.Store.Rollups("orders", TimeSpan.FromHours(1), from.AddHours(-1), from.AddHours(2), "backend");
        Assert.Equal(7, rollups.Sum(r => r.Requests));
        Assert.All(rollups, r => Assert.True(r.Success <= r.Requests && double.IsFinite(r.LatencySumMs)));
        Assert.DoesNotContain(controlPlane.Store.ResourceRollups("orders", TimeSpan.FromSeconds(1), from, from.AddMinutes(10)), r => r.WorkingSetMax < 0);
        var metrics = await controlPlane.Http.GetStringAsync("/metrics");
        foreach (var reason in new[] { "count", "latency", "inconsistent", "resources", "time" })
        {
            Assert.Contains($"kind=\"telemetry_malformed\",reason=\"{reason}\"}} 1", metrics);
        }
    }

    [Fact]
    public async Task StreamWithoutIdentity_IsRefusedWithInvalidArgument()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        using var channel = GrpcChannel.ForAddress(controlPlane.GrpcUri);
        using var call = new Wire.Telemetry.TelemetryClient(channel).Report();

        await call.RequestStream.WriteAsync(Report(null, requests: 1));
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("identity", ex.Status.Detail);
    }

    private static Wire.SidecarReport Report(Wire.SidecarIdentity? identity, long requests)
    {
        var report = new Wire.SidecarReport { Identity = identity };
        report.LatencyBoundsMs.Add(LatencyHistogram.BoundsMs);
        var cluster = new Wire.ClusterReport { Cluster = "backend", Requests = requests, Success = Math.Max(0, requests) };
        cluster.LatencyCounts.Add(new long[LatencyHistogram.BucketCount]);
        report.Clusters.Add(cluster);
        return report;
    }
}
