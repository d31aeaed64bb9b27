namespace Mesh.Heal.ControlPlane.Replication;

/// <summary>How control-plane replicas share one store: who leads (runs the coordinator and agents), and how often each replica
/// catches up on policies written through the others; the <c>ControlPlane:Ha</c> section.</summary>
/// <remarks>
/// The leader holds the <c>coordinator</c> lease in the store. It renews it every <see cref="RenewInterval"/>; a replica that has
/// not renewed for <see cref="LeaseDuration"/> stops leading at once, and another takes the lease when it has expired, so a
/// dead leader is replaced within about one lease duration plus one renew interval.
/// </remarks>
public sealed class HaOptions
{
    /// <summary>How long the coordinator lease lasts without a renewal. Default 4 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How often the leader renews its lease, every replica heartbeats, and followers try to take the lease (sooner when the holder's
    /// lease expires before: right at its expiry). Default 1 s.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often each replica re-reads the newest policies from the store besides the change notifications (PostgreSQL), so a
    /// notification lost across a reconnect is caught up. Default 5 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}
