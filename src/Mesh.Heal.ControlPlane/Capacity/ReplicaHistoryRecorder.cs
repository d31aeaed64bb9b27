using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Capacity;

/// <summary>Keeps each service's replica history in the store, per minute, from every coordinator run: the replicas in
/// service, and what the capacity planner recommended with the per-replica capacity it assumed.</summary>
/// <remarks>
/// <para>Replicas in service are the HPA's (the scaled Deployment's ready replicas, else its current count) when the capacity
/// collector has read the service's HPA, else the service's sidecars connected to the control plane (every replica, with
/// PostgreSQL). A minute keeps the most seen in it. A service with no replica in service, no HPA and no recommendation has no row.</para>
/// <para>The recommendation is the capacity planner's output of the same run (its <c>recommendedReplicas</c> and
/// <c>capacityPerReplica</c>); a run in which the planner made no plan (a service not planned, too little history) records none.
/// Without a plan the per-replica capacity is the configured one (<c>ControlPlane:Capacity:Services:&lt;service&gt;:Planner:CapacityPerReplica</c>)
/// when there is one.</para>
/// <para>Demand is not copied here: the report reads it from the per-minute telemetry rollups.</para>
/// </remarks>
internal sealed class ReplicaHistoryRecorder(MeshStore store, CapacityCollector capacity, IOptions<CapacityOptions> options) : IRunObserver
{
    /// <summary><see cref="ReplicaMinute.Source"/> of a count read from the HPA.</summary>
    public const string FromHpa = "hpa";

    /// <summary><see cref="ReplicaMinute.Source"/> of a count of connected sidecars.</summary>
    public const string FromSidecars = "sidecars";

    private readonly Dictionary<string, ReplicaMinute> _written = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public void Observe(DateTimeOffset now, IReadOnlyList<AgentOutput> outputs)
    {
        var planned = options.Value.Services;
        var connected = store.ConnectedSidecars();
        var plans = outputs.Where(o => o.Agent == CapacityPlannerAgent.AgentName && o.Metrics.ContainsKey("recommendedReplicas"))
            .GroupBy(o => o.Service, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var minute = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() / 60 * 60);
        var samples = new List<ReplicaMinute>();
        foreach (var service in connected.Keys.Concat(planned.Keys).Concat(plans.Keys).Distinct(StringComparer.Ordinal))
        {
            var hpa = capacity.Hpa(service);
            var (replicas, source) = hpa is not null ? (hpa.Serving, FromHpa) : (connected.GetValueOrDefault(service), FromSidecars);
            int? recommended = null;
            double? perReplica = null;
            var basis = "";
            if (plans.TryGetValue(service, out var plan))
            {
                recommended = (int)plan.Metrics["recommendedReplicas"];
                perReplica = plan.Metrics.GetValueOrDefault("capacityPerReplica") is > 0 and var c ? c : null;
                basis = perReplica is null ? "" : "capacity planner: " + (plan.Findings.Select(f => f.Evidence.GetValueOrDefault("capacityBasis")).FirstOrDefault(b => b is not null) ?? "measured");
            }
            else if (planned.GetValueOrDefault(service)?.Planner.CapacityPerReplica is > 0 and var configured)
            {
                (perReplica, basis) = (configured, "configured");
            }

            var sample = new ReplicaMinute(service, minute, replicas, source, recommended, perReplica, basis);
            if ((replicas > 0 || hpa is not null || recommended is not null) && !Written(sample))
            {
                samples.Add(sample);
            }
        }

        store.AddReplicaSamples(samples);
        lock (_written)
        {
            foreach (var sample in samples)
            {
                _written[sample.Service] = sample;
            }
        }
    }

    // A run every second or so would otherwise rewrite every service's row with the same values; a new leader starts with
    // nothing written, so it writes the minute at its first run.
    private bool Written(ReplicaMinute sample)
    {
        lock (_written)
        {
            return _written.TryGetValue(sample.Service, out var last) && last.Minute == sample.Minute && last.Replicas >= sample.Replicas
                && (sample.RecommendedReplicas is null || sample.RecommendedReplicas == last.RecommendedReplicas)
                && (sample.CapacityPerReplica is null || (sample.CapacityPerReplica == last.CapacityPerReplica && sample.CapacityBasis == last.CapacityBasis));
        }
    }
}
