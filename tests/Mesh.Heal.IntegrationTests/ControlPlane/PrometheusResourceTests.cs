using System.Globalization;
using System.Net;
using Mesh.Heal.Agents;
using Mesh.Heal.Agents.Resources;
using Mesh.Heal.Chaos;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Healing;
using Mesh.Heal.IntegrationTests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

/// <summary>The resource collector against a real Prometheus scraping a real process whose usage the test sets.</summary>
[Collection(nameof(IntegrationCollection))]
public class PrometheusResourceTests
{
    private const double Mb = 1024 * 1024;

    [Fact]
    public async Task Collect_LeakingTarget_GivesSeriesWithLimits_AndTheAgentFindsTheLeak()
    {
        // Each scrape sees 4 MiB more, with a small GC sawtooth; 1,024 handles allowed, 40 open.
        var scrapes = 0;
        await using var target = await StartTargetAsync(() =>
        {
            var n = Interlocked.Increment(ref scrapes);
            var memory = 100 * Mb + 4 * Mb * n + Mb * (n % 3);
            return string.Create(CultureInfo.InvariantCulture, $"""
                # TYPE process_resident_memory_bytes gauge
                process_resident_memory_bytes {memory}
                # TYPE process_open_fds gauge
                process_open_fds 40
                # TYPE process_max_fds gauge
                process_max_fds 1024

                """);
        });
        var address = target.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var host = new Uri(address).Authority;
        await using var prometheus = await PrometheusServer.StartAsync([("shop-b", [host])], TimeSpan.FromSeconds(1));
        using var store = new MeshStore(":memory:", TimeProvider.System);
        var options = new ResourceOptions { Prometheus = prometheus.Url.ToString(), Lookback = TimeSpan.FromMinutes(2), Step = TimeSpan.FromSeconds(1) };
        options.Services["b"] = new ServiceResourceOptions
        {
            Selector = "job=\"shop-b\"",
            Queries =
            {
                ["memory"] = new ResourceQuery { Query = "process_resident_memory_bytes{{selector}}", Limit = 400 * Mb },
                ["handles"] = ResourceQuery.Defaults["handles"],
                ["broken"] = new ResourceQuery { Query = "rate(process_open_fds[" },
            },
        };
        var collector = new ResourceCollector(
            store, new PrometheusClient(new HttpClient()), Options.Create(options), new ControlPlaneMetrics(new NoMeters()), TimeProvider.System,
            NullLogger<ResourceCollector>.Instance);

        IReadOnlyList<ResourceSeries> series = [];
        await Wait.UntilAsync(
            async () =>
            {
                await collector.CollectAsync(CancellationToken.None);
                series = collector.Series(["b"], TimeProvider.System.GetUtcNow());
                return series.Any(s => s.Resource == "memory" && s.Points.Count >= 16);
            },
            "16 scraped memory samples in Prometheus\n" + prometheus.Output,
            TimeSpan.FromSeconds(60));

        var memory = Assert.Single(series, s => s.Resource == "memory");
        Assert.Equal(("b", host, "prometheus", 400 * Mb), (memory.Service, memory.Instance, memory.Source, memory.Limit));
        Assert.True(memory.Points[^1].Value > memory.Points[0].Value);
        var handles = Assert.Single(series, s => s.Resource == "handles");
        Assert.Equal(1024, handles.Limit);
        Assert.DoesNotContain(series, s => s.Resource == "broken");

        var snapshot = new MeshSnapshot(TimeProvider.System.GetUtcNow()) { Services = ["b"] }
            .With(ResourcesSlice.Key, new ResourcesSlice { Series = series })
            .With(Mesh.Heal.Agents.Anomalies.AnomaliesSlice.Key, new Mesh.Heal.Agents.Anomalies.AnomaliesSlice())
            .With(HealingHistorySlice.Key, new HealingHistorySlice())
            .With(EdgesSlice.Key, new EdgesSlice());
        var output = new ResourceExhaustionAgent().Analyze(snapshot, "b", CancellationToken.None);
        var leak = Assert.Single(output.Findings);
        Assert.Equal(("resource.leak", $"{host}/memory"), (leak.Kind, leak.Subject));
        Assert.Equal(FindingSeverity.Critical, leak.Severity);
        // 4 MiB/s ≈ 14,400 MiB/h; the rest of 400 MiB is gone within a few minutes.
        Assert.InRange(double.Parse(leak.Evidence["hoursToExhaustion"], CultureInfo.InvariantCulture), 0, 0.1);
    }

    [Fact]
    public async Task CollectDemand_RateQueryOverTwoInstances_GivesOneSummedSeries()
    {
        // Two instances of b count requests: 30 and 20 more at each 1 s scrape, so b's demand is about 50 requests/s.
        var scrapes = new int[2];
        WebApplication[] targets = [await StartTargetAsync(() => Counter(0, 30)), await StartTargetAsync(() => Counter(1, 20))];
        string Counter(int i, int step) => string.Create(CultureInfo.InvariantCulture,
            $"# TYPE http_requests_total counter\nhttp_requests_total {step * Interlocked.Increment(ref scrapes[i])}\n");
        try
        {
            var hosts = targets.Select(t => new Uri(t.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Authority).ToArray();
            await using var prometheus = await PrometheusServer.StartAsync([("shop-b", hosts)], TimeSpan.FromSeconds(1));
            var resources = Options.Create(new ResourceOptions { Prometheus = prometheus.Url.ToString() });
            var options = new Mesh.Heal.ControlPlane.Capacity.CapacityOptions { Lookback = TimeSpan.FromMinutes(2) };
            options.Services["b"] = new Mesh.Heal.ControlPlane.Capacity.ServiceCapacityOptions
            {
                Selector = "job=\"shop-b\"",
                DemandQuery = "rate(http_requests_total{{selector}}[4s])",
                DemandStep = TimeSpan.FromSeconds(1),
            };
            var wrapped = Options.Create(options);
            var hpas = new Mesh.Heal.ControlPlane.Capacity.HpaReader(new Mesh.Heal.ControlPlane.Kubernetes.KubernetesApi(Options.Create(new KubernetesOptions())), wrapped);
            var collector = new Mesh.Heal.ControlPlane.Capacity.CapacityCollector(
                hpas, new PrometheusClient(new HttpClient()), wrapped, resources,
                new ControlPlaneMetrics(new NoMeters()), TimeProvider.System, NullLogger<Mesh.Heal.ControlPlane.Capacity.CapacityCollector>.Instance);

            await Wait.UntilAsync(
                async () =>
                {
                    await collector.CollectAsync(CancellationToken.None);
                    return collector.Demand("b").Count(p => p.Value > 0) >= 8;
                },
                "8 steps of b's request rate in Prometheus\n" + prometheus.Output,
                TimeSpan.FromSeconds(60));

            // The two instances' rates are added up step by step: one series, about 50 a second once both are scraped.
            var demand = collector.Demand("b");
            Assert.InRange(demand[^1].Value, 35, 65);
            Assert.True(demand.Zip(demand.Skip(1)).All(p => p.First.Time < p.Second.Time));
        }
        finally
        {
            foreach (var target in targets)
            {
                await target.DisposeAsync();
            }
        }
    }

    private static async Task<WebApplication> StartTargetAsync(Func<string> metrics)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(metrics(), "text/plain; version=0.0.4"));
        await app.StartAsync();
        return app;
    }

    private sealed class NoMeters : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
