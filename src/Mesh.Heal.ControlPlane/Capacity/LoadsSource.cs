using Mesh.Heal.Agents;
using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Capacity;

/// <summary>Builds the <see cref="LoadsSlice"/>: each planned service's demand history, its load and replicas per minute
/// over the scaling lookback, and the HPA policy in force.</summary>
/// <remarks>
/// Demand is what every caller sent the service's cluster (hourly rollups once they span three days, else per minute, or
/// the configured resolution), or Prometheus's when it has the longer history. Replicas per step are the HPA's (its
/// rescale events, its status), else the instances that reported resource samples in that step. The loads are computed at
/// most every <see cref="CapacityOptions.Refresh"/>, the pace their inputs change at.
/// </remarks>
internal sealed class LoadsSource(MeshStore store, CapacityCollector capacity, HpaReader hpas, IOptions<CapacityOptions> options) : ISnapshotSource
{
    private IReadOnlyList<ServiceLoad> _loads = [];
    private DateTimeOffset _loadsAt = DateTimeOffset.MinValue;

    public SnapshotSliceKey Slice => LoadsSlice.Key;

    public ValueTask<MeshSnapshot> AddToAsync(MeshSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (snapshot.Time - _loadsAt >= options.Value.Refresh)
        {
            _loads = Loads(snapshot.Time);
            _loadsAt = snapshot.Time;
        }

        return ValueTask.FromResult(snapshot.With(LoadsSlice.Key, new LoadsSlice { Loads = _loads }));
    }

    private List<ServiceLoad> Loads(DateTimeOffset now)
    {
        var settings = options.Value;
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
            loads.Add(new ServiceLoad(service, demand, recent, serving, planned.Planner, hpas.PolicyOf(service)));
        }

        return loads;
    }
}
