namespace Mesh.Heal.Healing;

/// <summary>What an agent proposes to do about a finding, and how to undo it.</summary>
/// <param name="Kind">What it does, in dotted lowercase: <c>fallback.activate</c>, <c>pod.restart</c>.</param>
/// <param name="Command">What the actuator of its type carries out.</param>
/// <param name="Description">One sentence for an operator.</param>
/// <param name="Risk">How much harm it could do if it were wrong.</param>
public sealed record HealingAction(string Kind, ActuatorCommand Command, string Description, ActionRisk Risk)
{
    private readonly string? _rollbackPlan;

    /// <summary>What it acts on: <see cref="ActuatorCommand.Target"/>.</summary>
    public string Target => Command.Target;

    /// <summary>How to undo it, as the coordinator will if the outcome gets worse; never empty.</summary>
    /// <remarks>Default: the command's own <see cref="ActuatorCommand.DescribeUndo"/>; an agent may say more (when it is undone).</remarks>
    public string RollbackPlan
    {
        get => _rollbackPlan ?? Command.DescribeUndo();
        init => _rollbackPlan = value;
    }

    /// <summary>The finding it answers (its <see cref="Finding.Kind"/>), or empty.</summary>
    public string FindingKind { get; init; } = string.Empty;

    /// <summary>The <see cref="Finding.Subject"/> of the finding it answers; with <see cref="FindingKind"/> it names the issue the healing belongs to.</summary>
    public string FindingSubject { get; init; } = string.Empty;

    /// <summary>The edges whose failures, as their callers saw them, judge the healing before and after.</summary>
    public IReadOnlyList<EdgeId> Signal { get; init; } = [];

    /// <summary>Whether it only holds until its issue resolves, when the coordinator undoes it (a forced fallback, a tightened timeout).</summary>
    public bool Temporary { get; init; }

    /// <summary>Whether it is a one-off operation (a cleanup, a restart) that leaves nothing in force once done: when it has
    /// succeeded the same healing may be proposed again, and nothing is undone when its issue resolves.</summary>
    public bool OneShot { get; init; }

    /// <summary>Whether applying it only opens a review (a branch and a pull request a person merges) and changes nothing that
    /// serves: the coordinator applies it whatever its <see cref="Risk"/>, which is the risk of merging it, unless a dry-run covers it.</summary>
    public bool Review { get; init; }

    /// <summary>The change as a diff (a policy document, a patch), or null when there is none to show.</summary>
    public string? Diff { get; init; }

    /// <summary>What makes two proposals the same healing: kind, target and what the command changes, not the values.</summary>
    public string Key => $"{Kind}:{Target}:{string.Join(',', Command.Changed)}";

    /// <summary>Whether the coordinator may apply it without an operator: not in dry-run, and a <see cref="Review"/> or no riskier
    /// than <paramref name="upTo"/> (low unless the operator allowed more).</summary>
    public bool AppliesAutomatically(bool dryRun, ActionRisk upTo = ActionRisk.Low) => (Review || Risk <= upTo) && !dryRun;
}
