namespace Mesh.Heal.Agents;

/// <summary>What an agent proposes to do about a finding, and how to undo it.</summary>
/// <param name="Kind">What it does, in dotted lowercase: <c>fallback.activate</c>, <c>pod.restart</c>.</param>
/// <param name="Target">What it acts on: a service, a cluster of a service (<c>orders/backend</c>), a pod.</param>
/// <param name="Description">One sentence for an operator.</param>
/// <param name="Risk">How much harm it could do if it were wrong.</param>
/// <param name="RollbackPlan">How to undo it, as the coordinator will if the outcome gets worse; never empty.</param>
public sealed record HealingAction(string Kind, string Target, string Description, ActionRisk Risk, string RollbackPlan)
{
    /// <summary>The finding it answers (its <see cref="Finding.Kind"/>), or empty.</summary>
    public string FindingKind { get; init; } = string.Empty;

    /// <summary>The change as a diff (a policy document, a patch), or null when there is none to show.</summary>
    public string? Diff { get; init; }

    /// <summary>Whether the coordinator may apply it without an operator: low risk and not in dry-run.</summary>
    public bool AppliesAutomatically(bool dryRun) => Risk == ActionRisk.Low && !dryRun;
}
