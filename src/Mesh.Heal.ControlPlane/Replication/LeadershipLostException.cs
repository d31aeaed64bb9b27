namespace Mesh.Heal.ControlPlane.Replication;

/// <summary>A write or an action was refused because the replica no longer holds the coordinator lease with the term it acts under.</summary>
/// <remarks>It aborts the coordinator's run without marking anything failed: the new leader takes the same actions over from the store.</remarks>
internal sealed class LeadershipLostException(string holder, long epoch, string reason)
    : Exception($"replica {holder} no longer leads with epoch {epoch}: {reason}")
{
    /// <summary>The replica that acted.</summary>
    public string Holder { get; } = holder;

    /// <summary>The epoch it acted under.</summary>
    public long Epoch { get; } = epoch;
}
