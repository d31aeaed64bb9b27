using Mesh.Heal.Agents;
using Mesh.Heal.Agents.BugFixing;
using Mesh.Heal.Agents.Logs;
using Mesh.Heal.ControlPlane.Healing;

namespace Mesh.Heal.ControlPlane.Git;

/// <summary>Builds the <see cref="SourcesSlice"/>: the source trees of the services that name a repository, holding the files
/// the errors of the <see cref="LogsSlice"/> point at.</summary>
/// <remarks>With no logs at all there is nothing to fix, and no repository is touched.</remarks>
internal sealed class SourcesSource(RepositoryIndex repositories) : ISnapshotSource
{
    public SnapshotSliceKey Slice => SourcesSlice.Key;

    public IReadOnlyList<SnapshotSliceKey> Needs { get; } = [LogsSlice.Key];

    public async ValueTask<MeshSnapshot> AddToAsync(MeshSnapshot snapshot, CancellationToken cancellationToken)
    {
        var logs = snapshot.Get(LogsSlice.Key).Digests;
        var trees = logs.Count == 0 ? new Dictionary<string, SourceTree>(StringComparer.Ordinal) : await repositories.TreesAsync(logs, cancellationToken);
        return snapshot.With(SourcesSlice.Key, new SourcesSlice { Trees = trees });
    }
}
