using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Dashboard;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Tests.Dashboard;

/// <summary>The dashboard's forecasts from a real store on a fake clock: demand and resources as stored, a forecast with its
/// interval past them, exhaustion against the limits, replicas observed and as the capacity planner plans them, and the reason
/// when a series cannot be forecast.</summary>
public sealed class ForecastBuilderTests : IDisposable
{
    private readonly TestStore _test = new();
    private readonly TestOptions _options = new();

    public void Dispose() => _test.Dispose();

    [Fact]
    public void Build_Demand_IsTheMinuteRollupsOfEveryCaller_WithAForecastPastThem()
    {
        var now = _test.Time.GetUtcNow();
        var rows = new List<TelemetryRollup>();
        for (var m = 30; m >= 1; m--)
        {
            // Two callers into payments, 600 + 60·m requests a minute together.
            rows.Add(Minute("orders", "payments", now.AddMinutes(-m), 500 + (60 * m)));
            rows.Add(Minute("web", "payments", now.AddMinutes(-m), 100));
        }

        // The minute now is in is still filling: left out.
        rows.Add(Minute("orders", "payments", now, 5));
        _test.Store.AddRollups(rows, []);
        _test.Time.Advance(TimeSpan.FromSeconds(30));

        var response = Builder().Build(null, TimeSpan.FromMinutes(10));

        Assert.Equal(["orders", "payments", "web"], response.Series.Select(s => s.Service).Distinct());
        var series = Assert.Single(response.Series, s => s.Service == "payments" && s.Metric == "requests_per_second");
        Assert.Equal(("", 60), (series.Instance, series.StepSeconds));
        Assert.Equal(30, series.History.Count);
        Assert.Equal(now.AddMinutes(-30), series.History[0].Time.ToDateTimeOffset());
        Assert.Equal((600 + (60 * 30)) / 60.0, series.History[0].Value, 9);
        Assert.Equal((600 + 60) / 60.0, series.History[^1].Value, 9);
        Assert.All(series.History, p => Assert.Equal((p.Value, p.Value), (p.Lower, p.Upper)));

        Assert.Equal(10, series.Forecast.Count);
        Assert.Equal(now, series.Forecast[0].Time.ToDateTimeOffset());
        Assert.All(series.Forecast, p => Assert.True(p.Lower <= p.Value && p.Value <= p.Upper, $"{p.Lower} <= {p.Value} <= {p.Upper}"));
        Assert.Equal(0.95, series.IntervalLevel);
        Assert.False(string.IsNullOrEmpty(series.Method));
        Assert.Null(series.ExhaustedAt);
    }

    [Fact]
    public void Build_MinutesOldMesh_ReadsSecondRollupsInTenSecondSteps()
    {
        var now = _test.Time.GetUtcNow();
        var rows = Enumerable.Range(1, 300).Select(s => Second("orders", "payments", now.AddSeconds(-s), requests: 3)).ToList();
        _test.Store.AddRollups(rows, []);

        var series = Assert.Single(Builder().Build("payments", TimeSpan.FromMinutes(5)).Series, s => s.Metric == "requests_per_second");

        Assert.Equal(10, series.StepSeconds);
        Assert.Equal(30, series.History.Count);
        Assert.All(series.History, p => Assert.Equal(3, p.Value, 9));
        Assert.Equal(30, series.Forecast.Count);
    }

    [Fact]
    public void Build_ShortHistory_SaysWhyThereIsNoForecast()
    {
        var now = _test.Time.GetUtcNow();
        _test.Store.AddRollups([.. Enumerable.Range(1, 7).Select(s => Second("orders", "payments", now.AddSeconds(-10 * s), 60))], []);

        var series = Assert.Single(Builder().Build("payments", TimeSpan.FromHours(1)).Series, s => s.Metric == "requests_per_second");

        Assert.Equal(7, series.History.Count);
        Assert.Empty(series.Forecast);
        Assert.Equal(0, series.IntervalLevel);
        Assert.Equal("needs 12 points, has 7", series.Method);
    }

    [Fact]
    public void Build_Resources_PerInstance_WithTheirLimits_AndALeakExhausts()
    {
        var now = _test.Time.GetUtcNow();
        var rows = new List<ResourceRollup>();
        for (var m = 60; m >= 1; m--)
        {
            // o-1's process leaks 10 MB a minute towards its 1 GB limit; its sidecar is flat.
            rows.Add(Resource("orders", "o-1", "service", now.AddMinutes(-m), workingSet: 400_000_000 + ((60 - m) * 10_000_000L), memoryLimit: 1_000_000_000, handles: 100, maxHandles: 1024));
            rows.Add(Resource("orders", "o-1", "sidecar", now.AddMinutes(-m), workingSet: 50_000_000, memoryLimit: 0, handles: 80, maxHandles: 0));
        }

        _test.Store.AddRollups([], rows);

        var series = Builder().Build("orders", TimeSpan.FromHours(1)).Series;

        Assert.Equal(
            ["o-1/working_set_bytes", "o-1/gc_heap_bytes", "o-1/threads", "o-1/handles", "o-1/connections",
             "o-1/sidecar/working_set_bytes", "o-1/sidecar/gc_heap_bytes", "o-1/sidecar/threads", "o-1/sidecar/handles", "o-1/sidecar/connections"],
            series.Where(s => s.Instance.Length > 0).Select(s => $"{s.Instance}/{s.Metric}"));
        var leak = Assert.Single(series, s => s.Instance == "o-1" && s.Metric == "working_set_bytes");
        Assert.Equal(1_000_000_000, leak.Limit);
        Assert.Equal(60, leak.History.Count);
        Assert.Equal(990_000_000, leak.History[^1].Value);

        // Already 990 MB and growing 10 MB a minute: the upper bound reaches 1 GB within minutes.
        Assert.NotNull(leak.ExhaustedAt);
        var first = leak.Forecast.First(p => p.Upper >= leak.Limit);
        Assert.Equal(first.Time, leak.ExhaustedAt);
        Assert.True(leak.ExhaustedAt.ToDateTimeOffset() <= now.AddMinutes(5), $"{leak.ExhaustedAt}");
        Assert.Equal(1024, Assert.Single(series, s => s.Instance == "o-1" && s.Metric == "handles").Limit);
        Assert.Null(Assert.Single(series, s => s.Instance == "o-1" && s.Metric == "handles").ExhaustedAt);
        Assert.Equal(0, Assert.Single(series, s => s.Instance == "o-1" && s.Metric == "threads").Limit);
        var sidecar = Assert.Single(series, s => s.Instance == "o-1/sidecar" && s.Metric == "working_set_bytes");
        Assert.Equal(0, sidecar.Limit);
        Assert.Null(sidecar.ExhaustedAt);
    }

    [Fact]
    public void Build_Replicas_UnplannedService_AreTheInstancesReporting_WithNoRecommendation()
    {
        var now = _test.Time.GetUtcNow();
        var rows = new List<ResourceRollup>();
        for (var m = 20; m >= 1; m--)
        {
            rows.Add(Resource("orders", "o-1", "service", now.AddMinutes(-m), 1, 0, 1, 0));
            rows.Add(Resource("orders", "o-1", "sidecar", now.AddMinutes(-m), 1, 0, 1, 0));
            if (m <= 5)
            {
                rows.Add(Resource("orders", "o-2", "service", now.AddMinutes(-m), 1, 0, 1, 0));
            }
        }

        _test.Store.AddRollups([], rows);

        var replicas = Assert.Single(Builder().Build("orders", TimeSpan.FromHours(1)).Series, s => s.Metric == "replicas");

        Assert.Equal([.. Enumerable.Repeat(1.0, 15), .. Enumerable.Repeat(2.0, 5)], replicas.History.Select(p => p.Value));
        Assert.Empty(replicas.Forecast);
        Assert.StartsWith("no recommendation: the capacity planner does not plan this service", replicas.Method, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Replicas_PlannedService_AreWhatThePlannerProvisions_AndExhaustTheHpaMaximum()
    {
        // 100 requests/s into payments, 30/s per replica: four replicas for the expected demand, over the HPA's maximum of 3.
        _options.Capacity.Services["payments"] = new ServiceCapacityOptions
        {
            Planner = new CapacityPlannerOptions { CapacityPerReplica = 30 },
            Hpa = new HpaOptions { MaxReplicas = 3 },
        };
        var now = _test.Time.GetUtcNow();
        var rows = Enumerable.Range(1, 60).Select(m => Minute("orders", "payments", now.AddMinutes(-m), 6000 + (m % 3 * 60))).ToList();
        _test.Store.AddRollups(rows, []);

        var replicas = Assert.Single(Builder().Build("payments", TimeSpan.FromMinutes(30)).Series, s => s.Metric == "replicas");

        Assert.Equal(3, replicas.Limit);
        Assert.Equal(30, replicas.Forecast.Count);
        Assert.All(replicas.Forecast, p => Assert.Equal(4, p.Value));
        Assert.All(replicas.Forecast, p => Assert.True(p.Lower <= p.Value && p.Value <= p.Upper, $"{p.Lower} <= {p.Value} <= {p.Upper}"));
        Assert.Equal(replicas.Forecast[0].Time, replicas.ExhaustedAt);
        Assert.Equal(0.99, replicas.IntervalLevel, 9);
        Assert.StartsWith("capacity planner: 30/s per replica (configured)", replicas.Method, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_LongHistory_ReturnsItsNewestPoints_AndFitsAllOfIt()
    {
        var now = _test.Time.GetUtcNow();
        _test.Store.AddRollups([.. Enumerable.Range(1, 200).Select(m => Minute("orders", "payments", now.AddMinutes(-m), 60 * m))], []);

        var series = Assert.Single(Builder().Build("payments", TimeSpan.FromMinutes(5)).Series, s => s.Metric == "requests_per_second");

        Assert.Equal(ForecastBuilder.HistoryPoints, series.History.Count);
        Assert.Equal(now.AddMinutes(-ForecastBuilder.HistoryPoints), series.History[0].Time.ToDateTimeOffset());
        Assert.Equal(1, series.History[^1].Value, 9);
        Assert.Equal(5, series.Forecast.Count);
    }

    [Fact]
    public void Build_SameMinute_IsAnsweredFromTheCache_AndTheNextMinuteReadsAgain()
    {
        var now = _test.Time.GetUtcNow();
        _test.Store.AddRollups([.. Enumerable.Range(1, 20).Select(m => Minute("orders", "payments", now.AddMinutes(-m), 60))], []);
        var builder = Builder();

        var first = builder.Build("payments", TimeSpan.FromMinutes(10));
        _test.Store.AddRollups([Minute("orders", "payments", now, 6000)], []);
        _test.Time.Advance(TimeSpan.FromSeconds(59));
        var cached = builder.Build("payments", TimeSpan.FromMinutes(10));
        _test.Time.Advance(TimeSpan.FromSeconds(1));
        var next = builder.Build("payments", TimeSpan.FromMinutes(10));

        Assert.Same(first, cached);
        Assert.Equal(100, next.Series.Single(s => s.Metric == "requests_per_second").History[^1].Value, 9);
    }

    [Fact]
    public void Series_RisingTowardsALimit_GivesTheFirstStepWhoseUpperBoundReachesIt()
    {
        var start = _test.Time.GetUtcNow();
        var history = Enumerable.Range(0, 60).Select(i => new SeriesPoint(start.AddMinutes(i), 100 + (10 * i))).ToList();

        var reached = ForecastBuilder.Series("orders", "working_set_bytes", "o-1", history, TimeSpan.FromHours(1), limit: 1000);
        var never = ForecastBuilder.Series("orders", "working_set_bytes", "o-1", history, TimeSpan.FromHours(1), limit: 1e12);

        var first = reached.Forecast.First(p => p.Upper >= 1000);
        Assert.Equal(first.Time, reached.ExhaustedAt);
        Assert.True(reached.Forecast.TakeWhile(p => p.Time != first.Time).All(p => p.Upper < 1000));
        Assert.Equal(1000, reached.Limit);
        Assert.Null(never.ExhaustedAt);
    }

    private ForecastBuilder Builder()
    {
        var hpas = new HpaReader(new KubernetesApi(Options.Create(_options.Kubernetes)), Options.Create(_options.Capacity));
        var collector = new CapacityCollector(
            hpas, new PrometheusClient(new HttpClient()), Options.Create(_options.Capacity), Options.Create(_options.Resources), TestStore.Metrics(), _test.Time,
            NullLogger<CapacityCollector>.Instance);
        return new ForecastBuilder(_test.Store, new LoadsSource(_test.Store, collector, hpas, Options.Create(_options.Capacity)), _test.Time);
    }

    private static TelemetryRollup Minute(string service, string cluster, DateTimeOffset bucket, long requests) => new(
        service, cluster, TimeSpan.FromMinutes(1), bucket, requests, requests, 0, 0, 0, 0, 0, 0, 0, 0, 0, new long[LatencyHistogram.BucketCount], 1);

    private static TelemetryRollup Second(string service, string cluster, DateTimeOffset bucket, long requests) => new(
        service, cluster, TimeSpan.FromSeconds(1), bucket, requests, requests, 0, 0, 0, 0, 0, 0, 0, 0, 0, new long[LatencyHistogram.BucketCount], 1);

    private static ResourceRollup Resource(string service, string instance, string target, DateTimeOffset bucket, long workingSet, long memoryLimit, long handles, long maxHandles) =>
        new(service, instance, target, TimeSpan.FromMinutes(1), bucket, 60, workingSet, workingSet / 2, 20, handles, 5, memoryLimit, maxHandles);
}
