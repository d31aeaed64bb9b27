namespace Mesh.Heal.Agents;

/// <summary>What the coordinator has done lately: the issues still open or mitigated and the healings of the last hours.</summary>
/// <remarks>Agents read it to hold a verdict with hysteresis and not to propose again what is in flight or in force.</remarks>
public sealed record HealingHistorySlice
{
    /// <summary>The slice's key.</summary>
    public static readonly SnapshotSliceKey<HealingHistorySlice> Key = new("healing-history");

    /// <summary>Fingerprints of the issues still open or mitigated.</summary>
    public IReadOnlySet<string> OpenIssues { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The healings of the last hours, newest first.</summary>
    public IReadOnlyList<RecentAction> Actions { get; init; } = [];
}
