using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Dashboard;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.Benchmarks.Micro;

/// <summary>What one dashboard answer costs the control plane, on a SQLite store seeded with a busy mesh: the service graph
/// over 5 minutes (10 edges of 1 s rollups), and every service's forecasts (5 services with 2 instances each, a day of
/// 1 min rollups: demand, 20 resource series per service and replicas), computed afresh each time (the minute cache missed).</summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
public class DashboardBenchmarks
{
    private const int Services = 5;
    private string _directory = null!;
    private MeshStore _store = null!;
    private FakeTimeProvider _time = null!;
    private TopologyBuilder _topology = null!;
    private ForecastBuilder _forecasts = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("meshheal-bench-dashboard-").FullName;
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        _store = new MeshStore(Path.Combine(_directory, "cp.db"), _time);
        var now = _time.GetUtcNow();
        var random = new Random(1);
        var rollups = new List<TelemetryRollup>();
        var resources = new List<ResourceRollup>();
        for (var s = 0; s < Services; s++)
        {
            for (var second = 1; second <= 300; second++)
            {
                foreach (var caller in (string[])["web", "mobile"])
                {
                    rollups.Add(Rollup(caller, "svc" + s, TimeSpan.FromSeconds(1), now.AddSeconds(-second), 100 + random.Next(20), random));
                }
            }

            for (var minute = 1; minute <= 1440; minute++)
            {
                rollups.Add(Rollup("web", "svc" + s, TimeSpan.FromMinutes(1), now.AddMinutes(-minute), 6000 + random.Next(600), random));
                foreach (var instance in (string[])["a", "b"])
                {
                    foreach (var target in (string[])["service", "sidecar"])
                    {
                        resources.Add(new ResourceRollup(
                            "svc" + s, instance, target, TimeSpan.FromMinutes(1), now.AddMinutes(-minute), 60, 100_000_000 + random.Next(1_000_000), 50_000_000,
                            20 + random.Next(5), 100 + random.Next(10), 5 + random.Next(3), 1_000_000_000, 1024));
                    }
                }
            }
        }

        _store.AddRollups(rollups, resources);
        var telemetry = new TelemetryAggregator(_time);
        _topology = new TopologyBuilder(_store, telemetry, Options.Create(new HealingOptions()), _time);
        var capacity = Options.Create(new CapacityOptions());
        var hpas = new HpaReader(new KubernetesApi(Options.Create(new KubernetesOptions())), capacity);
        var collector = new CapacityCollector(
            hpas, new PrometheusClient(new HttpClient()), capacity, Options.Create(new ResourceOptions()), new ControlPlaneMetrics(new Meters()), _time,
            NullLogger<CapacityCollector>.Instance);
        _forecasts = new ForecastBuilder(_store, new LoadsSource(_store, collector, hpas, capacity), _time);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public int Topology5m() => _topology.Build(TimeSpan.FromMinutes(5), []).Edges.Count;

    [Benchmark]
    public int ForecastsEveryService()
    {
        // A minute later each time: the answer is computed, not taken from the minute's cache; the rollups a minute older
        // change the fit by one point only.
        _time.Advance(TimeSpan.FromMinutes(1));
        return _forecasts.Build(null, TimeSpan.FromHours(1)).Series.Count;
    }

    private static TelemetryRollup Rollup(string caller, string cluster, TimeSpan resolution, DateTimeOffset bucket, long requests, Random random)
    {
        var counts = new long[LatencyHistogram.BucketCount];
        counts[2 + random.Next(4)] = requests;
        return new TelemetryRollup(caller, cluster, resolution, bucket, requests, requests - 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, counts, 1);
    }

    private sealed class Meters : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }

    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }
}
