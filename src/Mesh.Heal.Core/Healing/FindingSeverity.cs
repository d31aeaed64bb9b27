namespace Mesh.Heal.Healing;

/// <summary>How grave a finding is.</summary>
public enum FindingSeverity
{
    /// <summary>Worth knowing; asks for nothing.</summary>
    Info = 0,

    /// <summary>Rates the agent's status at least <see cref="AgentStatus.Warning"/>.</summary>
    Warning = 1,

    /// <summary>Rates the agent's status <see cref="AgentStatus.Critical"/>.</summary>
    Critical = 2,
}
