namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Where a healing is in its lifecycle; stored as lowercase names (<see cref="Store.ActionStates"/>).</summary>
/// <remarks><see cref="HealingLifecycle"/> says which verbs move it between them.</remarks>
internal enum ActionState
{
    Proposed,
    Approved,
    Rejected,
    Applied,
    Succeeded,
    Failed,
    RolledBack,
}

/// <summary>Where an issue is; stored as <c>open</c>, <c>mitigated</c> and <c>resolved</c>.</summary>
internal enum IssueState
{
    /// <summary>Reported, and no healing of it verified yet.</summary>
    Open,

    /// <summary>Still reported, but a healing of it was verified.</summary>
    Mitigated,

    /// <summary>Not reported for <see cref="HealingOptions.ResolveAfter"/>.</summary>
    Resolved,
}

/// <summary>How a healing turned out, as its verification or its end judged it.</summary>
internal enum Verdict
{
    /// <summary>The signal's caller failures fell.</summary>
    Better,

    /// <summary>They did not rise by more than <see cref="HealingOptions.WorseMargin"/>.</summary>
    NoWorse,

    /// <summary>They rose by more: it is undone.</summary>
    Worse,

    /// <summary>Too few requests before or after to judge; it is kept.</summary>
    TooLittleTraffic,

    /// <summary>It opened a review: nothing in force to verify.</summary>
    ReviewOpened,

    /// <summary>Its actuator failed; <see cref="Internal.ActionDetails.Reason"/> says why.</summary>
    Failed,

    /// <summary>It was undone for <see cref="Internal.ActionDetails.UndoReason"/>.</summary>
    Undone,
}

/// <summary>Why a healing was undone; decides whether the same healing may come back at once.</summary>
internal enum UndoReason
{
    /// <summary>Its issue resolved and it was temporary: it may come back with the issue.</summary>
    IssueResolved,

    /// <summary>Its verification found it made things worse: not again for the cooldown.</summary>
    Worse,

    /// <summary>An operator rolled it back: not again for the cooldown.</summary>
    Operator,
}
