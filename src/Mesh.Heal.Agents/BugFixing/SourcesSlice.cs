namespace Mesh.Heal.Agents.BugFixing;

/// <summary>The git repositories of the services that name one, read for the errors their logs hold.</summary>
public sealed record SourcesSlice
{
    /// <summary>The slice's key.</summary>
    public static readonly SnapshotSliceKey<SourcesSlice> Key = new("sources");

    /// <summary>The source tree of each service with a repository, by service.</summary>
    public IReadOnlyDictionary<string, SourceTree> Trees { get; init; } = new Dictionary<string, SourceTree>(StringComparer.Ordinal);
}
