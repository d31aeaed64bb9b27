using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.Agents.Scaling;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents;

/// <summary>A planned service's demand and scaling: the history the capacity planner and the scaling adjuster read.</summary>
/// <param name="Service">The service.</param>
/// <param name="Demand">Requests per second reaching it from every caller, hourly over the long history (per minute when it is short), oldest first.</param>
/// <param name="Recent">Per minute over the scaling window: load, replicas serving and the p99 its callers saw.</param>
/// <param name="Replicas">Replicas serving now.</param>
/// <param name="Planner">The planner's settings for it (capacity per replica when configured, objective, headroom, prices).</param>
/// <param name="Hpa">The HorizontalPodAutoscaler policy in force, or null when nothing autoscales it.</param>
public sealed record ServiceLoad(string Service, IReadOnlyList<SeriesPoint> Demand, IReadOnlyList<LoadSample> Recent, int Replicas, CapacityPlannerOptions Planner, HpaPolicy? Hpa);

/// <summary>One minute of a service's load.</summary>
/// <param name="Time">The minute.</param>
/// <param name="Load">Requests per second.</param>
/// <param name="Replicas">Replicas reporting in that minute.</param>
/// <param name="P99Ms">The p99 latency its callers saw, in ms.</param>
public readonly record struct LoadSample(DateTimeOffset Time, double Load, int Replicas, double P99Ms);
