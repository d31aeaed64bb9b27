using Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Protocol.Reporting;

/// <summary>Capacity provisioned against static peak over the minutes of the window with replica history (one service's, or
/// several services' summed).</summary>
/// <remarks>
/// The control plane's report builder computes one per service from its store and sums them for the mesh with <see cref="Sum"/>;
/// the chaos benchmark sums the services of several runs' reports (each with its own store) the same way, from the wire
/// (<see cref="FromWire"/>). <see cref="ReportFormat.CapacityLine"/> shows one as a line.
/// </remarks>
/// <param name="Minutes">Minutes in the window with replica history (the service had replicas in service, an HPA, or a recommendation).</param>
/// <param name="ProvisionedReplicaMinutes">The replicas in service, summed over those minutes.</param>
/// <param name="StaticPeakReplicas">The peak replicas needed over the window (one service; 0 for a sum, where each service has its own).</param>
/// <param name="StaticPeakReplicaMinutes">The static peak held for every one of those minutes (summed over services for a sum).</param>
/// <param name="StaticPeakBasis">How the static peak was found: from the peak demand and the per-replica capacity, or, that unknown, the peak replicas in service.</param>
/// <param name="PlannerMinutes">Minutes with a capacity planner recommendation in force (its newest at or before the minute).</param>
/// <param name="PlannerReplicaMinutes">The recommended replicas summed over those minutes.</param>
/// <param name="PlannerStaticPeakReplicaMinutes">The static peak held for those minutes.</param>
/// <param name="SaturatedMinutes">Minutes whose demand exceeded the replicas in service times the per-replica capacity; null when unknown.</param>
/// <param name="PlannerSaturatedMinutes">Minutes whose demand exceeded the recommended replicas times the per-replica capacity; null when unknown.</param>
/// <param name="CapacityPerReplica">Requests/s one replica serves (one service), null when unknown or for a sum.</param>
/// <param name="CapacityBasis">How <paramref name="CapacityPerReplica"/> is known, or <c>n/a: why</c>.</param>
/// <param name="PlannerNote">Empty, or <c>n/a: why</c> when there is no recommendation to compare.</param>
public sealed record CapacityFigures(
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

    /// <summary>One line for people (<see cref="ReportFormat.CapacityLine"/>).</summary>
    public string Summary() => ReportFormat.CapacityLine(this);

    /// <summary>Several services' figures as one: each service's static peak is its own, so replica-minutes and minutes add up and
    /// the reductions follow from the sums; null with no service.</summary>
    public static CapacityFigures? Sum(IReadOnlyList<CapacityFigures> services)
    {
        if (services.Count == 0)
        {
            return null;
        }

        var known = services.Where(s => s.SaturatedMinutes is not null).ToList();
        var planned = services.Where(s => s.PlannerMinutes > 0).ToList();
        return new CapacityFigures(
            services.Sum(s => s.Minutes),
            services.Sum(s => s.ProvisionedReplicaMinutes),
            0,
            services.Sum(s => s.StaticPeakReplicaMinutes),
            "each service's own",
            planned.Sum(s => s.PlannerMinutes),
            planned.Sum(s => s.PlannerReplicaMinutes),
            planned.Sum(s => s.PlannerStaticPeakReplicaMinutes),
            known.Count == 0 ? null : known.Sum(s => s.SaturatedMinutes!.Value),
            known.Count == 0 ? null : known.Where(s => s.PlannerSaturatedMinutes is not null).Sum(s => s.PlannerSaturatedMinutes!.Value),
            null,
            known.Count == 0
                ? "n/a: no service's per-replica capacity is known"
                : $"per-replica capacity known for {known.Count} of {services.Count} service(s)",
            planned.Count == 0 ? "n/a: no service had a capacity planner recommendation" : "");
    }

    /// <summary>A service report's capacity fields as figures; null when it has no replica history.</summary>
    public static CapacityFigures? FromWire(ServiceReport report) => report.CapacityMinutes == 0 ? null : new CapacityFigures(
        report.CapacityMinutes,
        report.ProvisionedReplicaMinutes,
        report.StaticPeakReplicas,
        report.StaticPeakReplicaMinutes,
        report.StaticPeakBasis,
        report.PlannerMinutes,
        report.PlannerReplicaMinutes,
        report.PlannerStaticPeakReplicaMinutes,
        report.HasSaturatedMinutes ? report.SaturatedMinutes : null,
        report.HasPlannerSaturatedMinutes ? report.PlannerSaturatedMinutes : null,
        report.HasCapacityPerReplica ? report.CapacityPerReplica : null,
        report.CapacityBasis,
        report.PlannerNote);

    /// <summary>Writes these figures, their reductions and their line into <paramref name="report"/>'s capacity fields.</summary>
    public void CopyTo(ServiceReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        report.CapacityMinutes = Minutes;
        report.ProvisionedReplicaMinutes = ProvisionedReplicaMinutes;
        report.StaticPeakReplicas = StaticPeakReplicas;
        report.StaticPeakReplicaMinutes = StaticPeakReplicaMinutes;
        report.StaticPeakBasis = StaticPeakBasis;
        report.PlannerMinutes = PlannerMinutes;
        report.PlannerReplicaMinutes = PlannerReplicaMinutes;
        report.PlannerStaticPeakReplicaMinutes = PlannerStaticPeakReplicaMinutes;
        report.PlannerNote = PlannerNote;
        report.CapacityBasis = CapacityBasis;
        report.Capacity = Summary();
        Set(Reduction, report.ClearCapacityReduction, v => report.CapacityReduction = v);
        Set(PlannerReduction, report.ClearPlannerReduction, v => report.PlannerReduction = v);
        Set(SaturatedMinutes, report.ClearSaturatedMinutes, v => report.SaturatedMinutes = v);
        Set(PlannerSaturatedMinutes, report.ClearPlannerSaturatedMinutes, v => report.PlannerSaturatedMinutes = v);
        Set(CapacityPerReplica, report.ClearCapacityPerReplica, v => report.CapacityPerReplica = v);
    }

    private static void Set<T>(T? value, System.Action clear, Action<T> set)
        where T : struct
    {
        if (value is { } v)
        {
            set(v);
        }
        else
        {
            clear();
        }
    }
}
