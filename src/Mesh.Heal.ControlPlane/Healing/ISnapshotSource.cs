using Mesh.Heal.Agents;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>One feature's part of the <see cref="MeshSnapshot"/>: it builds one typed slice, and names the services it knows.</summary>
/// <remarks>
/// A source reads (the store, the live telemetry, a collector's cache, git) and never acts. <see cref="SnapshotBuilder"/>
/// asks every source for its services, then has only the sources of the slices some agent reads build theirs, those a
/// source <see cref="Needs"/> first.
/// </remarks>
internal interface ISnapshotSource
{
    /// <summary>The slice it builds.</summary>
    SnapshotSliceKey Slice { get; }

    /// <summary>The slices it reads to build its own.</summary>
    IReadOnlyList<SnapshotSliceKey> Needs => [];

    /// <summary>Adds the services it knows of at <paramref name="now"/> to <paramref name="services"/>.</summary>
    void AddServices(DateTimeOffset now, ISet<string> services)
    {
    }

    /// <summary>Returns <paramref name="snapshot"/> with its slice added.</summary>
    ValueTask<MeshSnapshot> AddToAsync(MeshSnapshot snapshot, CancellationToken cancellationToken);
}
