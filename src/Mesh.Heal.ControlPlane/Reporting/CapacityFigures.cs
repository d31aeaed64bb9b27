using System.Globalization;

namespace Mesh.Heal.ControlPlane.Reporting;

/// <summary>Capacity provisioned against static peak over the minutes of the window with replica history (one service's, or
/// the mesh's summed over services).</summary>
/// <param name="Minutes">Minutes in the window with replica history (the service had replicas in service, an HPA, or a recommendation).</param>
/// <param name="ProvisionedReplicaMinutes">The replicas in service, summed over those minutes.</param>
/// <param name="StaticPeakReplicas">The peak replicas needed over the window (one service; 0 for the mesh, where each service has its own).</param>
/// <param name="StaticPeakReplicaMinutes">The static peak held for every one of those minutes (summed over services for the mesh).</param>
/// <param name="StaticPeakBasis">How the static peak was found: from the peak demand and the per-replica capacity, or, that unknown, the peak replicas in service.</param>
/// <param name="PlannerMinutes">Minutes with a capacity planner recommendation in force (its newest at or before the minute).</param>
/// <param name="PlannerReplicaMinutes">The recommended replicas summed over those minutes.</param>
/// <param name="PlannerStaticPeakReplicaMinutes">The static peak held for those minutes.</param>
/// <param name="SaturatedMinutes">Minutes whose demand exceeded the replicas in service times the per-replica capacity; null when unknown.</param>
/// <param name="PlannerSaturatedMinutes">Minutes whose demand exceeded the recommended replicas times the per-replica capacity; null when unknown.</param>
/// <param name="CapacityPerReplica">Requests/s one replica serves (one service), null when unknown or for the mesh.</param>
/// <param name="CapacityBasis">How <paramref name="CapacityPerReplica"/> is known, or <c>n/a: why</c>.</param>
/// <param name="PlannerNote">Empty, or <c>n/a: why</c> when there is no recommendation to compare.</param>
internal sealed record CapacityFigures(
    int Minutes,
    long ProvisionedReplicaMinutes,
    int StaticPeakReplicas,
    long StaticPeakReplicaMinutes,
    string StaticPeakBasis,
    int PlannerMinutes,
    long PlannerReplicaMinutes,
    long PlannerStaticPeakReplicaMinutes,
    int? SaturatedMinutes,
    int? PlannerSaturatedMinutes,
    double? CapacityPerReplica,
    string CapacityBasis,
    string PlannerNote)
{
    /// <summary>1 − provisioned / static peak replica-minutes (negative when more was provisioned than the static peak); null with no history.</summary>
    public double? Reduction => StaticPeakReplicaMinutes == 0 ? null : 1 - ((double)ProvisionedReplicaMinutes / StaticPeakReplicaMinutes);

    /// <summary>1 − the planner's replica-minutes / the static peak's over the same minutes; null with no recommendation.</summary>
    public double? PlannerReduction => PlannerStaticPeakReplicaMinutes == 0 ? null : 1 - ((double)PlannerReplicaMinutes / PlannerStaticPeakReplicaMinutes);

    /// <summary>One line for people: the comparison, the planner's, and saturation, each with its n/a reason.</summary>
    public string Summary()
    {
        var text = Invariant($"{ProvisionedReplicaMinutes} replica-minutes provisioned against {StaticPeakReplicaMinutes} at static peak") + Change(Reduction)
            + (StaticPeakReplicas > 0 ? Invariant($" (peak {StaticPeakReplicas} over {Minutes} min: {StaticPeakBasis})") : Invariant($" (over {Minutes} service-minutes)"));
        text += PlannerNote.Length > 0
            ? "; planner " + PlannerNote
            : Invariant($"; planner's recommendations {PlannerReplicaMinutes} against {PlannerStaticPeakReplicaMinutes}") + Change(PlannerReduction);
        text += SaturatedMinutes is { } saturated
            ? Invariant($"; saturated {saturated} of {Minutes} min") + (PlannerSaturatedMinutes is { } p ? Invariant($" (planner's {p} of {PlannerMinutes})") : "")
                + (CapacityPerReplica is { } c ? Invariant($" at {c:0.##}/s per replica ({CapacityBasis})") : "")
            : "; saturation " + CapacityBasis;
        return text;
    }

    private static string Change(double? reduction) => reduction switch
    {
        null => "",
        >= 0 and var r => Invariant($" ({r:0.0%} less)"),
        var r => Invariant($" ({-r:0.0%} more)"),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
