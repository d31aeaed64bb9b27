using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Sees the end of each coordinator run, to keep history of what the run saw (the replica history).</summary>
/// <remarks>It is called on the leader only, under the run's term (<see cref="Replication.Fence"/>), so whatever it writes to the
/// store is fenced like every other coordinator write. It records; it never acts.</remarks>
internal interface IRunObserver
{
    /// <summary>Records what the run at <paramref name="now"/> saw; <paramref name="outputs"/> are the agents' outputs of that run.</summary>
    void Observe(DateTimeOffset now, IReadOnlyList<AgentOutput> outputs);
}
