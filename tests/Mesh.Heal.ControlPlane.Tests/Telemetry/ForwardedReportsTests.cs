using Mesh.Heal.ControlPlane.Telemetry;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Tests.Telemetry;

/// <summary>Reports another replica accepted, added to the leader's aggregator: they shape its view, not its rollups.</summary>
public sealed class ForwardedReportsTests : IDisposable
{
    private readonly TestStore _test = new();

    public void Dispose() => _test.Dispose();

    [Fact]
    public void AddForwarded_UpdatesLiveStateWindowAndEvents_ButNotTheRollups_NorAccepted()
    {
        var aggregator = new TelemetryAggregator(_test.Time);
        var accepted = 0;
        var reported = 0;
        var changed = 0;
        aggregator.Accepted += (_, _, _, _) => accepted++;
        aggregator.Reported += (_, _, _, _) => reported++;
        aggregator.StateChanged += (_, _) => changed++;
        var at = _test.Time.GetUtcNow();

        aggregator.AddForwarded("shop", "shop-1", at.AddMilliseconds(-300), Report(Wire.HealthState.Healthy, 0));
        aggregator.AddForwarded("shop", "shop-1", at.AddMilliseconds(-100), Report(Wire.HealthState.Failed, 40));

        Assert.Equal(Health.HealthState.Failed, aggregator.Live("shop", "shop-1")!.Clusters["backend"].Item1);
        Assert.Equal(at.AddMilliseconds(-100), aggregator.Live("shop", "shop-1")!.ReportedAt);
        var row = Assert.Single(aggregator.Window(at.AddSeconds(-1), at.AddSeconds(1)));
        Assert.Equal((80L, 40L), (row.Counts.Requests, row.Counts.CallerFailures));
        Assert.Equal((0, 2, 1), (accepted, reported, changed));
        Assert.Empty(aggregator.Drain().Rollups);

        // A local report is both: it counts in the rollups and is announced as accepted (for the inbox).
        aggregator.Add("shop", "shop-2", Report(Wire.HealthState.Healthy, 0));
        Assert.Equal(1, accepted);
        Assert.Equal(40, aggregator.Drain().Rollups.Where(r => r.Resolution == TimeSpan.FromSeconds(1)).Sum(r => r.Requests));
    }

    [Fact]
    public void AddForwarded_OlderThanWhatIsKnown_CountsInTheWindow_ButKeepsTheNewerState()
    {
        var aggregator = new TelemetryAggregator(_test.Time);
        var at = _test.Time.GetUtcNow();
        aggregator.Add("shop", "shop-1", Report(Wire.HealthState.Healthy, 0));

        // The sidecar moved replicas: a report it sent earlier through the other one arrives late.
        aggregator.AddForwarded("shop", "shop-1", at.AddSeconds(-2), Report(Wire.HealthState.Failed, 40));

        Assert.Equal(Health.HealthState.Healthy, aggregator.Live("shop", "shop-1")!.Clusters["backend"].Item1);
        Assert.Equal(at, aggregator.Live("shop", "shop-1")!.ReportedAt);
        Assert.Equal(80, Assert.Single(aggregator.Window(at.AddSeconds(-5), at.AddSeconds(1))).Counts.Requests);
    }

    private static Wire.SidecarReport Report(Wire.HealthState health, long failures)
    {
        var report = new Wire.SidecarReport();
        report.Clusters.Add(new Wire.ClusterReport
        {
            Cluster = "backend", Requests = 40, Success = 40 - failures, ServerErrors = failures, CallerFailures = failures, Health = health, Breaker = Wire.BreakerState.Closed,
        });
        return report;
    }
}
