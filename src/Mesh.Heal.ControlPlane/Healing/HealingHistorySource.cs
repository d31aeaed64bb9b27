using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Healing.Internal;
using Mesh.Heal.ControlPlane.Store;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Builds the <see cref="HealingHistorySlice"/> from the store: the issues open or mitigated and the healings of
/// the last <see cref="Recent"/>.</summary>
internal sealed class HealingHistorySource(MeshStore store) : ISnapshotSource
{
    public static readonly TimeSpan Recent = TimeSpan.FromHours(6);

    public SnapshotSliceKey Slice => HealingHistorySlice.Key;

    public ValueTask<MeshSnapshot> AddToAsync(MeshSnapshot snapshot, CancellationToken cancellationToken)
    {
        var open = store.OpenIssues().Select(i => i.Fingerprint).ToHashSet(StringComparer.Ordinal);
        var actions = store.Actions(null, null, 500)
            .Where(a => a.CreatedAt >= snapshot.Time - Recent)
            .Select(a => new RecentAction(a.Key, a.Kind, ActionDetails.Parse(a.Details).Target, a.State, a.CreatedAt, a.UpdatedAt) { Service = a.Service })
            .ToList();
        return ValueTask.FromResult(snapshot.With(HealingHistorySlice.Key, new HealingHistorySlice { OpenIssues = open, Actions = actions }));
    }
}
