namespace Mesh.Heal.Agents;

/// <summary>An agent read a slice the snapshot does not hold: it did not declare it in <see cref="IHealingAgent.Reads"/>,
/// or no source builds it.</summary>
public sealed class MissingSliceException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="key"/>.</summary>
    public MissingSliceException(SnapshotSliceKey key)
        : base($"the snapshot has no '{key.Name}' slice ({key.SliceType.Name}): an agent must declare every slice it reads in IHealingAgent.Reads, and a source must build it")
    {
        Key = key;
    }

    /// <summary>The slice that was missing.</summary>
    public SnapshotSliceKey Key { get; }
}
