using Mesh.Heal.Agents;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Builds the <see cref="MeshSnapshot"/> the agents read by composing the feature sources (<see cref="ISnapshotSource"/>).</summary>
/// <remarks>
/// Every source names the services it knows, so the snapshot's services are the same whichever agents run; then only the
/// slices asked for (the ones the agents declare) are built, each after the slices its source needs. A slice no source
/// builds is left out: the agent that reads it fails with a <see cref="MissingSliceException"/> naming it.
/// </remarks>
internal sealed class SnapshotBuilder
{
    private readonly IReadOnlyList<ISnapshotSource> _sources;
    private readonly TimeProvider _time;

    public SnapshotBuilder(IEnumerable<ISnapshotSource> sources, TimeProvider time)
    {
        _sources = sources.ToList();
        _time = time;
        if (_sources.GroupBy(s => s.Slice).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidOperationException($"the snapshot slice {twice.Key} has {twice.Count()} sources; accepted: one source per slice");
        }
    }

    /// <summary>The snapshot at the current time with the slices of <paramref name="reads"/> (and those their sources need).</summary>
    public async Task<MeshSnapshot> BuildAsync(IEnumerable<SnapshotSliceKey> reads, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var services = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var source in _sources)
        {
            source.AddServices(now, services);
        }

        var snapshot = new MeshSnapshot(now) { Services = [.. services] };
        foreach (var source in Order(reads))
        {
            snapshot = await source.AddToAsync(snapshot, cancellationToken);
        }

        return snapshot;
    }

    // The sources of the slices asked for and of the slices they need, each after the sources it needs.
    private List<ISnapshotSource> Order(IEnumerable<SnapshotSliceKey> reads)
    {
        var ordered = new List<ISnapshotSource>();
        var visiting = new HashSet<SnapshotSliceKey>();
        void Visit(SnapshotSliceKey key)
        {
            if (_sources.FirstOrDefault(s => s.Slice.Equals(key)) is not { } source || ordered.Contains(source))
            {
                return;
            }

            if (!visiting.Add(key))
            {
                throw new InvalidOperationException($"the snapshot slice {key} needs itself through its sources' Needs");
            }

            foreach (var need in source.Needs)
            {
                Visit(need);
            }

            ordered.Add(source);
        }

        foreach (var key in reads)
        {
            Visit(key);
        }

        return ordered;
    }
}
