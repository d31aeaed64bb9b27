namespace Mesh.Heal.Agents.Resources;

/// <summary>The resource series of every instance that reports them, and how each service with a cleanup gets one.</summary>
public sealed record ResourcesSlice
{
    /// <summary>The slice's key.</summary>
    public static readonly SnapshotSliceKey<ResourcesSlice> Key = new("resources");

    /// <summary>Resource series of every instance that reports them (sidecar samples, Prometheus), oldest point first.</summary>
    public IReadOnlyList<ResourceSeries> Series { get; init; } = [];

    /// <summary>How each service with a cleanup configured gets one (<c>webhook</c>, <c>command</c>, <c>kubernetes</c>), by service.</summary>
    public IReadOnlyDictionary<string, string> Cleanups { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
