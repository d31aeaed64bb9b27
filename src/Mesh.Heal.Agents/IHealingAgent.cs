using Mesh.Heal.Healing;

namespace Mesh.Heal.Agents;

/// <summary>A healing agent: a pure function from what the mesh looks like to what it found and proposes.</summary>
/// <remarks>
/// An agent opens no socket and reads no clock: everything it knows is in the <see cref="MeshSnapshot"/>, so a recorded
/// snapshot replays exactly in a test. It reads only the slices it declares in <see cref="Reads"/>; the coordinator has
/// the sources build those (and only those some agent declares). The coordinator runs it per service under a time budget,
/// passes the token that budget cancels, and treats an exception (a <see cref="MissingSliceException"/> among them) or an
/// invalid output as a finding about the agent.
/// </remarks>
public interface IHealingAgent
{
    /// <summary>The agent's name, as it appears in issues, actions and the audit log (<c>circuit-breaker</c>).</summary>
    string Name { get; }

    /// <summary>The slices of the snapshot it reads.</summary>
    IReadOnlyList<SnapshotSliceKey> Reads { get; }

    /// <summary>Looks at <paramref name="service"/> in <paramref name="snapshot"/>.</summary>
    AgentOutput Analyze(MeshSnapshot snapshot, string service, CancellationToken cancellationToken);
}
