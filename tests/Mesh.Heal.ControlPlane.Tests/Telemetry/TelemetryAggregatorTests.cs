using System.Diagnostics.Metrics;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.TimeSeries;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Tests.Telemetry;

/// <summary>Per-instance state is bounded in count and forgotten after <c>InstanceTtl</c> without a report, on a fake clock.</summary>
public sealed class TelemetryAggregatorTests : IDisposable
{
    private readonly TestStore _test = new();
    private readonly CapturingMeterFactory _meters = new();
    private readonly MeterListener _listener = new();
    private long _evicted;

    public TelemetryAggregatorTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_meters.Created.Contains(instrument.Meter) && instrument.Name == "meshheal.telemetry.instances.evicted")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _evicted, value));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _meters.Dispose();
        _test.Dispose();
    }

    [Fact]
    public void Add_ANewInstanceBeyondMaxInstances_IsRefused_KnownInstancesGoOn()
    {
        var aggregator = Aggregator(maxInstances: 3);

        Assert.True(aggregator.Add("orders", "a", Report()));
        Assert.True(aggregator.Add("orders", "b", Report()));
        Assert.True(aggregator.Add("orders", "c", Report()));
        Assert.False(aggregator.Add("orders", "forged-1", Report()));
        Assert.True(aggregator.Add("orders", "a", Report()));

        Assert.Equal(3, aggregator.InstanceCount);
        Assert.Null(aggregator.Live("orders", "forged-1"));
        Assert.Equal(["a", "b", "c"], aggregator.Window(_test.Time.GetUtcNow().AddMinutes(-1), _test.Time.GetUtcNow().AddTicks(1)).Select(r => r.Live.Instance).Order());
    }

    [Fact]
    public void Flow_InstancesThatStopReporting_AreForgottenAfterTheTtl_AndCounted_MakingRoomForNewOnes()
    {
        var aggregator = Aggregator(maxInstances: 2);
        aggregator.Add("orders", "gone", Report());
        _test.Time.Advance(TimeSpan.FromMinutes(6));
        aggregator.Add("orders", "alive", Report());
        _test.Time.Advance(TimeSpan.FromMinutes(4) - TimeSpan.FromTicks(1));

        aggregator.Sweep();
        Assert.Equal(2, aggregator.InstanceCount);
        Assert.False(aggregator.Add("orders", "new", Report()));

        _test.Time.Advance(TimeSpan.FromTicks(1));
        Assert.True(aggregator.Add("orders", "new", Report()));

        Assert.Null(aggregator.Live("orders", "gone"));
        Assert.NotNull(aggregator.Live("orders", "alive"));
        Assert.Equal(2, aggregator.InstanceCount);
        Assert.Equal(1, Interlocked.Read(ref _evicted));

        // With no reports at all, reading the window still lets state expire.
        _test.Time.Advance(TimeSpan.FromMinutes(11));
        Assert.Empty(aggregator.Window(_test.Time.GetUtcNow().AddMinutes(-30), _test.Time.GetUtcNow()));
        Assert.Equal(0, aggregator.InstanceCount);
        Assert.Equal(3, Interlocked.Read(ref _evicted));
    }

    private TelemetryAggregator Aggregator(int maxInstances) =>
        new(_test.Time, maxInstances, TimeSpan.FromMinutes(10), new ControlPlaneMetrics(_meters));

    private static Wire.SidecarReport Report()
    {
        var report = new Wire.SidecarReport();
        report.LatencyBoundsMs.Add(LatencyHistogram.BoundsMs);
        var cluster = new Wire.ClusterReport { Cluster = "payments", Requests = 10, Success = 10 };
        cluster.LatencyCounts.Add(new long[LatencyHistogram.BucketCount]);
        report.Clusters.Add(cluster);
        return report;
    }

    private sealed class CapturingMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
