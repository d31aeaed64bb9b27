using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Git;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Logs;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Builds the <see cref="MeshSnapshot"/> the agents read, from the live telemetry and the store.</summary>
/// <remarks>
/// A cluster is taken to front the service of the same name (the convention of the example deployments); a cluster with
/// no service of its name is an upstream of its own. The per-second history is read from the store at most every
/// <see cref="HistoryRefresh"/>: it only has to show past outages, and reading an hour of it every run would be waste.
/// </remarks>
internal sealed class SnapshotBuilder(
    MeshStore store, TelemetryAggregator telemetry, AnomalyMonitor anomalies, ResourceCollector resources, HpaActuator hpa, CapacityCollector capacity,
    LogCollector logs, RepositoryIndex repositories, IOptions<ControlPlaneOptions> options, TimeProvider time)
{
    public static readonly TimeSpan HistoryRefresh = TimeSpan.FromSeconds(10);

    private readonly Dictionary<(string Service, long Version), PolicyView> _policies = [];
    private IReadOnlyDictionary<string, IReadOnlyList<EdgeSample>> _history = new Dictionary<string, IReadOnlyList<EdgeSample>>();
    private DateTimeOffset _historyAt = DateTimeOffset.MinValue;
    private IReadOnlyList<ServiceLoad> _loads = [];
    private DateTimeOffset _loadsAt = DateTimeOffset.MinValue;

    /// <summary>The snapshot with the source trees of the services that name a repository, read for the errors their logs hold.</summary>
    public async Task<MeshSnapshot> BuildAsync(CancellationToken cancellationToken)
    {
        var snapshot = Build();
        return snapshot.Logs.Count == 0 ? snapshot : snapshot with { Sources = await repositories.TreesAsync(snapshot.Logs, cancellationToken) };
    }

    public MeshSnapshot Build()
    {
        var healing = options.Value.Healing;
        var now = time.GetUtcNow();
        var policies = store.LatestPolicies().Select(View).Where(v => v is not null).ToDictionary(v => v!.Service, v => v!, StringComparer.Ordinal);
        var rows = telemetry.Window(now - healing.LiveWindow, now.AddTicks(1));
        var sidecars = store.Sidecars();
        var services = store.Services()
            .Concat(policies.Keys)
            .Concat(sidecars.Select(s => s.Service))
            .Concat(rows.Select(r => r.Live.Service))
            .Concat(rows.Select(r => r.Cluster))
            .Concat(logs.Services)
            .Concat(options.Value.Resources.Services.Keys)
            .Concat(options.Value.Logs.Services.Keys)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var edges = rows.Select(r =>
        {
            r.Live.Clusters.TryGetValue(r.Cluster, out var states);
            return new EdgeObservation(
                r.Live.Service, r.Live.Instance, r.Cluster, r.Cluster, states.Health, states.Breaker, r.Counts,
                LatencyHistogram.Quantile(r.Latency, 0.5), LatencyHistogram.Quantile(r.Latency, 0.99));
        }).ToList();
        if (now - _historyAt >= HistoryRefresh)
        {
            _history = History(sidecars.Select(s => s.Service).Distinct(StringComparer.Ordinal), now - healing.History, now);
            _historyAt = now;
        }

        if (now - _loadsAt >= options.Value.Capacity.Refresh)
        {
            _loads = Loads(now);
            _loadsAt = now;
        }

        var digests = logs.Digests();
        var open = store.OpenIssues().Select(i => i.Fingerprint).ToHashSet(StringComparer.Ordinal);
        var actions = store.Actions(null, null, 500)
            .Where(a => a.CreatedAt >= now - TimeSpan.FromHours(6))
            .Select(a => new RecentAction(a.Key, a.Kind, Healing.Internal.ActionDetails.Parse(a.Details).Target, a.State, a.CreatedAt, a.UpdatedAt) { Service = a.Service })
            .ToList();
        return new MeshSnapshot(now)
        {
            Services = services,
            Edges = edges,
            LiveWindow = healing.LiveWindow,
            Policies = policies,
            History = _history,
            OpenIssues = open,
            Actions = actions,
            Resources = resources.Series(services, now),
            Loads = _loads,
            Anomalies = anomalies.Readings(now - healing.LiveWindow),
            Logs = digests,
            Cleanups = options.Value.Resources.Services
                .Where(s => s.Value.Cleanup is not null)
                .ToDictionary(s => s.Key, s => s.Value.Cleanup!.Method, StringComparer.Ordinal),
        };
    }

    private PolicyView? View(StoredPolicy stored)
    {
        if (_policies.TryGetValue((stored.Service, stored.Version), out var view))
        {
            return view;
        }

        var (_, policy, _) = PolicyDocument.Parse(stored.Document, stored.Service, int.MaxValue);
        if (policy is null)
        {
            return null;
        }

        view = new PolicyView(stored.Service, stored.Version, policy, stored.CreatedAt);
        _policies[(stored.Service, stored.Version)] = view;
        return view;
    }

    // Demand is what every caller sent the service's cluster (hourly rollups once they span three days, else per minute,
    // or the configured resolution), or Prometheus's when it has the longer history. Replicas per step are the HPA's
    // (its rescale events, its status), else the instances that reported resource samples in that step.
    private List<ServiceLoad> Loads(DateTimeOffset now)
    {
        var settings = options.Value.Capacity;
        var loads = new List<ServiceLoad>();
        var connected = store.Sidecars().Where(s => s.Connected).GroupBy(s => s.Service).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var fine = settings.Resolution ?? TimeSpan.FromMinutes(1);
        foreach (var (service, planned) in settings.Services)
        {
            var steps = store.RollupsTo(service, fine, now - (settings.Resolution is null ? TimeSpan.FromDays(7) : settings.Lookback), now);
            var hourly = settings.Resolution is null ? store.RollupsTo(service, TimeSpan.FromHours(1), now - settings.Lookback, now) : [];
            var (rows, seconds) = hourly.Count >= 72 ? (hourly, 3600.0) : (steps, fine.TotalSeconds);
            var demand = rows.Select(r => new SeriesPoint(r.Bucket, r.Requests / seconds)).ToList();
            if (capacity.Demand(service) is { } external && external.Count > demand.Count)
            {
                demand = [.. external];
            }

            var reporting = store.ResourceRollups(service, fine, now - settings.ScalingLookback, now)
                .GroupBy(r => r.Bucket)
                .ToDictionary(g => g.Key, g => g.Select(r => r.Instance).Distinct(StringComparer.Ordinal).Count());
            var status = capacity.Hpa(service);
            var recent = steps.Where(r => r.Bucket >= now - settings.ScalingLookback)
                .Select(r =>
                {
                    var seen = reporting.GetValueOrDefault(r.Bucket);
                    var replicas = status is null ? seen : status.At(r.Bucket, seen > 0 ? seen : status.CurrentReplicas);
                    return new LoadSample(r.Bucket, r.Requests / fine.TotalSeconds, replicas, LatencyHistogram.Quantile(r.LatencyCounts, 0.99));
                })
                .ToList();
            var serving = status?.Serving is > 0 ? status.Serving : Math.Max(connected.GetValueOrDefault(service), recent.Count > 0 ? recent[^1].Replicas : 0);
            loads.Add(new ServiceLoad(service, demand, recent, serving, planned.Planner, hpa.PolicyOf(service)));
        }

        return loads;
    }

    private Dictionary<string, IReadOnlyList<EdgeSample>> History(IEnumerable<string> services, DateTimeOffset from, DateTimeOffset to)
    {
        var history = new Dictionary<string, IReadOnlyList<EdgeSample>>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            foreach (var cluster in store.Rollups(service, TimeSpan.FromSeconds(1), from, to).GroupBy(r => r.Cluster))
            {
                history[$"{service}/{cluster.Key}"] = cluster
                    .OrderBy(r => r.Bucket)
                    .Select(r => new EdgeSample(r.Bucket, r.Success + r.Slow + r.ServerErrors + r.Timeouts + r.TransportErrors, r.ServerErrors + r.Timeouts + r.TransportErrors))
                    .ToList();
            }
        }

        return history;
    }
}
