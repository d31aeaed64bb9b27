using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Protocol.Reporting;

namespace Mesh.Heal.ControlPlane.Reporting;

/// <summary>Capacity provisioned against static peak provisioning, per service, from the store's replica history and the
/// per-minute telemetry rollups (the definitions are on <see cref="ReportBuilder"/>).</summary>
internal static class CapacityComparison
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>Each service with replica history in [from, to), with its figures.</summary>
    public static IReadOnlyDictionary<string, CapacityFigures> Compute(MeshStore store, DateTimeOffset from, DateTimeOffset to)
    {
        var start = DateTimeOffset.FromUnixTimeSeconds(from.ToUnixTimeSeconds() / 60 * 60);
        var history = store.ReplicaHistory(start, to);
        if (history.Count == 0)
        {
            return new Dictionary<string, CapacityFigures>(StringComparer.Ordinal);
        }

        var before = store.RecommendationsBefore(start).ToDictionary(r => r.Service, r => r.RecommendedReplicas, StringComparer.Ordinal);
        var (byCluster, byService) = store.MinuteRequests(start, to);
        var called = Index(byCluster);
        var proxied = Index(byService);
        return history.GroupBy(h => h.Service, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => Figures(g.Key, [.. g], called.GetValueOrDefault(g.Key) ?? proxied.GetValueOrDefault(g.Key), before.GetValueOrDefault(g.Key), to),
            StringComparer.Ordinal);
    }

    private static CapacityFigures Figures(string service, List<ReplicaMinute> minutes, Dictionary<DateTimeOffset, long>? requests, int? recommendedBefore, DateTimeOffset to)
    {
        var known = minutes.LastOrDefault(m => m.CapacityPerReplica is > 0);
        var perReplica = known?.CapacityPerReplica;
        double? Demand(DateTimeOffset minute)
        {
            if (requests is null)
            {
                return null;
            }

            // The minute still running has had only part of its requests.
            var seconds = Math.Clamp((to - minute).TotalSeconds, 1, Minute.TotalSeconds);
            return requests.GetValueOrDefault(minute) / seconds;
        }

        var demand = minutes.Select(m => Demand(m.Minute)).ToList();
        var needs = perReplica is not null && requests is not null;
        var peak = needs
            ? demand.Max(d => Needed(d!.Value, perReplica!.Value))
            : minutes.Max(m => m.Replicas);
        var peakDemand = needs ? demand.Max(d => d!.Value) : 0;
        var basis = needs
            ? FormattableString.Invariant($"needed at the peak demand {peakDemand:0.##}/s")
            : "the most replicas in service, as the per-replica capacity " + (perReplica is null ? "is not known" : "is known but no demand is");

        // The planner's newest recommendation at or before each minute.
        var recommended = new int?[minutes.Count];
        var inForce = recommendedBefore;
        for (var i = 0; i < minutes.Count; i++)
        {
            inForce = minutes[i].RecommendedReplicas ?? inForce;
            recommended[i] = inForce;
        }

        var plannerMinutes = recommended.Count(r => r is not null);
        int? saturated = null;
        int? plannerSaturated = null;
        string capacityBasis;
        if (perReplica is not { } capacity)
        {
            capacityBasis = $"n/a: the per-replica capacity of {service} is not known (the capacity planner has not measured it and ControlPlane:Capacity:Services:{service}:Planner:CapacityPerReplica is not set)";
        }
        else if (requests is null)
        {
            capacityBasis = $"n/a: no request telemetry for {service} in the window (neither callers of a cluster named {service} nor its own sidecars reported any)";
        }
        else
        {
            capacityBasis = known!.CapacityBasis;
            saturated = minutes.Where((m, i) => demand[i]!.Value > m.Replicas * capacity * (1 + 1e-9)).Count();
            plannerSaturated = plannerMinutes == 0 ? null : minutes.Where((m, i) => recommended[i] is { } r && demand[i]!.Value > r * capacity * (1 + 1e-9)).Count();
        }

        return new CapacityFigures(
            minutes.Count,
            minutes.Sum(m => (long)m.Replicas),
            peak,
            (long)peak * minutes.Count,
            basis,
            plannerMinutes,
            recommended.Sum(r => (long)(r ?? 0)),
            (long)peak * plannerMinutes,
            saturated,
            plannerSaturated,
            perReplica,
            capacityBasis,
            plannerMinutes > 0 ? "" : $"n/a: the capacity planner made no recommendation for {service} (it plans the services under ControlPlane:Capacity:Services once it has enough demand history)");
    }

    private static int Needed(double demand, double perReplica) => Math.Max(1, (int)Math.Ceiling((demand / perReplica) - 1e-9));

    private static Dictionary<string, Dictionary<DateTimeOffset, long>> Index(IEnumerable<(string Key, DateTimeOffset Minute, long Requests)> rows) =>
        rows.GroupBy(r => r.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToDictionary(r => r.Minute, r => r.Requests), StringComparer.Ordinal);
}
