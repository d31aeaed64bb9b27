namespace Mesh.Heal.Healing;

/// <summary>How an agent rates the service it looked at; at least as grave as its gravest finding.</summary>
public enum AgentStatus
{
    /// <summary>Nothing to act on.</summary>
    Ok = 0,

    /// <summary>Something to watch or to act on before it hurts callers.</summary>
    Warning = 1,

    /// <summary>Callers are hurt now, or will be soon without action.</summary>
    Critical = 2,
}
