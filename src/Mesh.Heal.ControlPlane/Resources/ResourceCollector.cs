using System.Collections.Concurrent;
using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Resources;

/// <summary>Gathers the resource series the agents read: the sidecars' samples from the store, and each configured
/// service's Prometheus queries, refreshed in the background.</summary>
/// <remarks>
/// A Prometheus that cannot be reached or refuses a query is logged and counted; the series it gave last are kept until
/// they are older than the lookback, so one failed scrape does not blind the agent.
/// </remarks>
internal sealed partial class ResourceCollector(
    MeshStore store, PrometheusClient prometheus, IOptions<ResourceOptions> options, ControlPlaneMetrics metrics, TimeProvider time,
    ILogger<ResourceCollector> logger, Replication.LeaderElection? leadership = null) : BackgroundService
{
    // Up to this lookback the sidecars' 1 s samples are read; past it their 1 min rollups.
    private static readonly TimeSpan TimelineFine = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<(string Service, string Resource), (DateTimeOffset At, IReadOnlyList<ResourceSeries> Series)> _prometheus = new();

    private ResourceOptions Options => options.Value;

    /// <summary>Every series at <paramref name="now"/>: the sidecars' from the store, then Prometheus's.</summary>
    public IReadOnlyList<ResourceSeries> Series(IEnumerable<string> services, DateTimeOffset now)
    {
        var lookback = Options.Lookback;
        var resolution = lookback <= TimelineFine ? TimeSpan.FromSeconds(1) : TimeSpan.FromMinutes(1);
        var series = new List<ResourceSeries>();
        foreach (var service in services)
        {
            foreach (var group in store.ResourceRollups(service, resolution, now - lookback, now.AddSeconds(1)).GroupBy(r => (r.Instance, r.Target)))
            {
                var rows = group.OrderBy(r => r.Bucket).ToList();
                var instance = group.Key.Target == "service" ? group.Key.Instance : group.Key.Instance + "/sidecar";
                var memoryLimit = rows.Max(r => r.MemoryLimit);
                var handleLimit = rows.Max(r => r.MaxHandles);
                series.Add(Sidecar(service, instance, "memory", rows, r => r.WorkingSetMax, memoryLimit > 0 ? memoryLimit : null));
                series.Add(Sidecar(service, instance, "handles", rows, r => r.HandlesMax, handleLimit > 0 ? handleLimit : null));
                series.Add(Sidecar(service, instance, "threads", rows, r => r.ThreadsMax, null));
                series.Add(Sidecar(service, instance, "connections", rows, r => r.ConnectionsMax, null));
            }
        }

        foreach (var ((_, _), (at, found)) in _prometheus)
        {
            if (now - at <= lookback)
            {
                series.AddRange(found);
            }
        }

        return series;
    }

    /// <summary>Queries every configured service's Prometheus once.</summary>
    public async Task CollectAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var (service, settings) in Options.Services)
        {
            var server = settings.Prometheus ?? Options.Prometheus;
            if (server is not { Length: > 0 } || !Uri.TryCreate(server.EndsWith('/') ? server : server + "/", UriKind.Absolute, out var uri))
            {
                continue;
            }

            var selector = settings.Selector ?? $"job=\"{service}\"";
            var queries = settings.Queries.Count > 0 ? settings.Queries : ResourceQuery.Defaults;
            foreach (var (resource, query) in queries)
            {
                try
                {
                    var found = await QueryAsync(uri, service, resource, query, selector, now, cancellationToken);
                    _prometheus[(service, resource)] = (now, found);
                }
                catch (PrometheusException ex)
                {
                    metrics.Rejected("prometheus-query");
                    LogQueryFailed(logger, service, resource, ex.Message);
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Options.Services.Count == 0)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            // Only the leader's agents read what is collected: followers spare the sources, and a new leader collects at once.
            if (leadership is not null)
            {
                await leadership.WaitForTermAsync(stoppingToken);
            }

            await CollectAsync(stoppingToken);
            await Task.Delay(Options.Refresh, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task<IReadOnlyList<ResourceSeries>> QueryAsync(
        Uri server, string service, string resource, ResourceQuery query, string selector, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string Expand(string text) => text.Replace("{selector}", selector, StringComparison.Ordinal);
        var found = await prometheus.QueryRangeAsync(server, Expand(query.Query), now - Options.Lookback, now, Options.Step, cancellationToken);
        var limits = new Dictionary<string, double>(StringComparer.Ordinal);
        if (query.LimitQuery is { Length: > 0 } limitQuery)
        {
            var window = TimeSpan.FromTicks(Math.Max(Options.Step.Ticks * 5, TimeSpan.FromMinutes(1).Ticks));
            foreach (var (labels, points) in await prometheus.QueryRangeAsync(server, Expand(limitQuery), now - window, now, Options.Step, cancellationToken))
            {
                if (points.Count > 0)
                {
                    limits[Instance(labels)] = points[^1].Value;
                }
            }
        }

        return found
            .Where(f => f.Points.Count > 0)
            .Select(f => new ResourceSeries(service, Instance(f.Labels), resource, "prometheus", f.Points, query.Limit ?? (limits.TryGetValue(Instance(f.Labels), out var l) && l > 0 ? l : null)))
            .ToList();
    }

    // A pod is the unit a cleanup acts on; without a pod label, the scrape target.
    private static string Instance(IReadOnlyDictionary<string, string> labels) =>
        labels.GetValueOrDefault("pod") ?? labels.GetValueOrDefault("instance") ?? string.Join(',', labels.Select(l => $"{l.Key}={l.Value}"));

    private static ResourceSeries Sidecar(string service, string instance, string resource, List<ResourceRollup> rows, Func<ResourceRollup, long> value, double? limit) =>
        new(service, instance, resource, "sidecar", rows.Select(r => new SeriesPoint(r.Bucket, value(r))).ToList(), limit);
}
