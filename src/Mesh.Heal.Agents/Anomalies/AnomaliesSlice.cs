namespace Mesh.Heal.Agents.Anomalies;

/// <summary>The anomalous points the control plane's streaming detectors scored within the live window.</summary>
public sealed record AnomaliesSlice
{
    /// <summary>The slice's key.</summary>
    public static readonly SnapshotSliceKey<AnomaliesSlice> Key = new("anomalies");

    /// <summary>The newest anomalous point per series.</summary>
    public IReadOnlyList<AnomalyReading> Readings { get; init; } = [];
}
