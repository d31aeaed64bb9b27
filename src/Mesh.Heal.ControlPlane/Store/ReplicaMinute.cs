namespace Mesh.Heal.ControlPlane.Store;

/// <summary>One minute of a service's replica history: the replicas in service and what the capacity planner recommended.</summary>
/// <param name="Service">The service.</param>
/// <param name="Minute">The start of the minute (UTC, whole minute).</param>
/// <param name="Replicas">The most replicas in service seen during the minute.</param>
/// <param name="Source">Where that count came from: <c>hpa</c> (the HPA's status, read by the capacity collector) or <c>sidecars</c> (the service's connected sidecars).</param>
/// <param name="RecommendedReplicas">What the capacity planner recommended in the minute (its last run), or null when it did not run.</param>
/// <param name="CapacityPerReplica">Requests/s one replica serves, as the planner assumed (measured or configured), or as configured; null when unknown.</param>
/// <param name="CapacityBasis">How <paramref name="CapacityPerReplica"/> is known; empty when it is not.</param>
internal sealed record ReplicaMinute(
    string Service, DateTimeOffset Minute, int Replicas, string Source, int? RecommendedReplicas, double? CapacityPerReplica, string CapacityBasis);
