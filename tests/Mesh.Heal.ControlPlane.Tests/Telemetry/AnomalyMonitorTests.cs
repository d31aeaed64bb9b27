using Mesh.Heal.ControlPlane.Telemetry;
using Microsoft.Extensions.Time.Testing;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Tests.Telemetry;

public class AnomalyMonitorTests
{
    private const double Mb = 1024 * 1024;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly AnomalyMonitor _monitor;
    private readonly List<string> _raised = [];

    public AnomalyMonitorTests()
    {
        _monitor = new AnomalyMonitor(new TelemetryAggregator(_time));
        _monitor.Anomalous += _raised.Add;
    }

    [Fact]
    public void Add_MemorySpikeAfterProbation_TurnsAnomalousOnceAndIsRead()
    {
        var start = _time.GetUtcNow();
        DateTimeOffset? spikeAt = null;
        for (var i = 0; i < 500; i++)
        {
            var spike = i is >= 400 and < 403;
            spikeAt ??= spike ? _time.GetUtcNow() : null;
            Report(memory: (spike ? 400 : 200) * Mb + Noise(i, 2 * Mb), threads: 40);
        }

        Assert.Equal(["svc"], _raised);
        var reading = Assert.Single(_monitor.Readings(start));
        Assert.Equal("memory", reading.Metric);
        Assert.Equal(spikeAt, reading.Time);
        Assert.Equal(400 * Mb, reading.Value, 1e6 * 3);
        Assert.InRange(reading.Expected, 190 * Mb, 210 * Mb);
        Assert.True(reading.Score >= new Mesh.Heal.Agents.Anomalies.AnomalyDetectorOptions().Threshold, $"score {reading.Score}");
    }

    [Fact]
    public void Add_OutlierDuringProbation_RaisesNothing()
    {
        for (var i = 0; i < 250; i++)
        {
            Report(memory: (i == 100 ? 900 : 200) * Mb + Noise(i, 2 * Mb), threads: 40);
        }

        Assert.Empty(_raised);
        Assert.Empty(_monitor.Readings(DateTimeOffset.MinValue));
    }

    [Fact]
    public void Add_OneMoreThreadAfterProbation_IsNoAnomaly()
    {
        // Threads flat at 20 through probation, then 21: under the floor of 2 threads, however still the series was.
        for (var i = 0; i < 500; i++)
        {
            Report(memory: 200 * Mb + Noise(i, 2 * Mb), threads: i < 400 ? 20 : 21);
        }

        Assert.Empty(_raised);
    }

    private void Report(double memory, int threads)
    {
        var report = new Wire.SidecarReport
        {
            Interval = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
            ServiceResources = new Wire.ResourceSample { WorkingSetBytes = (long)memory, Threads = threads, OpenHandles = 100, Connections = 10 },
        };
        _monitor.Add("svc", "svc-1", _time.GetUtcNow(), report);
        _time.Advance(TimeSpan.FromSeconds(10));
    }

    // Deterministic noise in [-amplitude, amplitude] (SplitMix64).
    private static double Noise(int i, double amplitude)
    {
        var z = ((ulong)i * 0x9E3779B97F4A7C15UL) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return amplitude * ((2 * (z >> 11) / (double)(1UL << 53)) - 1);
    }
}
