using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Telemetry;

/// <summary>Builds the <see cref="EdgesSlice"/>: what each sidecar saw of its upstreams over the live window, the
/// per-second history of each edge, and the newest policy of each service.</summary>
/// <remarks>
/// A cluster is taken to front the service of the same name (the convention of the example deployments); a cluster with
/// no service of its name is an upstream of its own. The per-second history is read from the store at most every
/// <see cref="HistoryRefresh"/>: it only has to show past outages, and reading an hour of it every run would be waste.
/// Parsed policies are kept by version.
/// </remarks>
internal sealed class EdgesSource(MeshStore store, TelemetryAggregator telemetry, IOptions<HealingOptions> options) : ISnapshotSource
{
    public static readonly TimeSpan HistoryRefresh = TimeSpan.FromSeconds(10);

    private readonly Dictionary<(string Service, long Version), PolicyView> _policies = [];
    private IReadOnlyDictionary<string, IReadOnlyList<EdgeSample>> _history = new Dictionary<string, IReadOnlyList<EdgeSample>>();
    private DateTimeOffset _historyAt = DateTimeOffset.MinValue;

    public SnapshotSliceKey Slice => EdgesSlice.Key;

    public void AddServices(DateTimeOffset now, ISet<string> services)
    {
        services.UnionWith(store.Services());
        services.UnionWith(Policies().Keys);
        services.UnionWith(store.Sidecars().Select(s => s.Service));
        foreach (var row in Rows(now))
        {
            services.Add(row.Live.Service);
            services.Add(row.Cluster);
        }
    }

    public ValueTask<MeshSnapshot> AddToAsync(MeshSnapshot snapshot, CancellationToken cancellationToken)
    {
        var now = snapshot.Time;
        var edges = Rows(now).Select(r =>
        {
            r.Live.Clusters.TryGetValue(r.Cluster, out var states);
            return new EdgeObservation(
                r.Live.Service, r.Live.Instance, r.Cluster, r.Cluster, states.Health, states.Breaker, r.Counts,
                LatencyHistogram.Quantile(r.Latency, 0.5), LatencyHistogram.Quantile(r.Latency, 0.99));
        }).ToList();
        if (now - _historyAt >= HistoryRefresh)
        {
            _history = History(store.Sidecars().Select(s => s.Service).Distinct(StringComparer.Ordinal), now - options.Value.History, now);
            _historyAt = now;
        }

        var slice = new EdgesSlice { Edges = edges, LiveWindow = options.Value.LiveWindow, Policies = Policies(), History = _history };
        return ValueTask.FromResult(snapshot.With(EdgesSlice.Key, slice));
    }

    private IReadOnlyList<(SidecarLiveState Live, string Cluster, EdgeCounts Counts, long[] Latency)> Rows(DateTimeOffset now) =>
        telemetry.Window(now - options.Value.LiveWindow, now.AddTicks(1));

    private Dictionary<string, PolicyView> Policies() =>
        store.LatestPolicies().Select(View).OfType<PolicyView>().ToDictionary(v => v.Service, StringComparer.Ordinal);

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
