using Mesh.Heal.Protocol.Reporting;

namespace Mesh.Heal.ControlPlane.Reporting;

/// <summary>The four figures over [From, To): per service, overall, and the capacity comparison as one line (or why it is not known).</summary>
internal sealed record MeshReport(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ServiceFigures> Services, ServiceFigures Overall, string Capacity);

/// <summary>One service's figures (or the mesh's, with <c>Service</c> empty). A figure with nothing to compute it from is null.</summary>
internal sealed record ServiceFigures(
    string Service,
    long Requests,
    long CallerFailures,
    double? Availability,
    int Incidents,
    Spread? TimeToDetect,
    Spread? TimeToMitigate,
    Spread? UnprotectedBroken,
    int MitigatedAutomatically,
    int MitigatedByOperator,
    int NotMitigated)
{
    /// <summary>Capacity provisioned against static peak; null when the window holds no replica history for it.</summary>
    public CapacityFigures? Capacity { get; init; }

    /// <summary>Share of incidents mitigated with no operator; null with no incident.</summary>
    public double? AutomaticShare => Incidents == 0 ? null : (double)MitigatedAutomatically / Incidents;
}

/// <summary>The median (nearest rank, lower middle) and maximum of some durations, and how many there were.</summary>
internal sealed record Spread(TimeSpan P50, TimeSpan Max, int Count)
{
    /// <summary>The spread of <paramref name="values"/>, or null when there is none.</summary>
    public static Spread? Of(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? null : new Spread(sorted[(sorted.Length - 1) / 2], sorted[^1], sorted.Length);
    }
}
