namespace Mesh.Heal.Healing;

/// <summary>What every agent returns for one service: the same shape, so the coordinator needs to know nothing agent-specific.</summary>
/// <param name="Agent">The agent's name: <c>circuit-breaker</c>, <c>resource-exhaustion</c>, ...</param>
/// <param name="Service">The service it looked at.</param>
/// <param name="Status">Its rating of the service; at least as grave as its gravest finding.</param>
/// <param name="Time">When the agent ran, from its <see cref="TimeProvider"/>.</param>
public sealed record AgentOutput(string Agent, string Service, AgentStatus Status, DateTimeOffset Time)
{
    /// <summary>What the agent found.</summary>
    public IReadOnlyList<Finding> Findings { get; init; } = [];

    /// <summary>What it proposes to do; each action answers one of <see cref="Findings"/>.</summary>
    public IReadOnlyList<HealingAction> Actions { get; init; } = [];

    /// <summary>Figures the agent computed on the way (a forecast, a growth rate), by name.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>The status its findings call for: the gravest severity among them.</summary>
    public static AgentStatus StatusFor(IEnumerable<Finding> findings) =>
        findings.Select(f => f.Severity).DefaultIfEmpty(FindingSeverity.Info).Max() switch
        {
            FindingSeverity.Critical => AgentStatus.Critical,
            FindingSeverity.Warning => AgentStatus.Warning,
            _ => AgentStatus.Ok,
        };
}
