using Mesh.Heal.ControlPlane.Healing.Internal;
using Mesh.Heal.ControlPlane.Store;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>The rules of a healing's lifecycle in one place: which verbs move an action from which states, and when the same
/// healing may be proposed again.</summary>
/// <remarks>
/// proposed → approved (approve) or rejected (reject); an approved or automatic action is applied by the coordinator and
/// then verified (succeeded) or fails; applied, succeeded or failed → rolled back (rollback).
/// </remarks>
internal static class HealingLifecycle
{
    /// <summary>What an operator sees as the verdict of a healing undone because its issue resolved.</summary>
    public const string ResolvedSentence = "the issue resolved: a temporary healing is undone";

    /// <summary>The states each verb accepts and the state it leads to.</summary>
    public static (IReadOnlyList<ActionState> From, ActionState To) Transition(string verb) => verb switch
    {
        "approve" => ([ActionState.Proposed], ActionState.Approved),
        "reject" => ([ActionState.Proposed], ActionState.Rejected),
        "rollback" => ([ActionState.Applied, ActionState.Succeeded, ActionState.Failed], ActionState.RolledBack),
        _ => throw new ArgumentOutOfRangeException(nameof(verb), verb, "accepted: approve, reject, rollback"),
    };

    /// <summary>Whether the healing <paramref name="latest"/> (the newest with the same key) keeps the same one from being proposed now.</summary>
    /// <remarks>
    /// Pending or in force blocks it (a one-shot that succeeded leaves nothing in force). Rejected, failed, or undone for any
    /// reason but its issue resolving blocks it for <paramref name="cooldown"/>; undone because its issue resolved, it may come
    /// back with the issue.
    /// </remarks>
    public static bool Blocks(ActionState latest, ActionDetails details, TimeSpan sinceChange, TimeSpan cooldown)
    {
        var pending = latest is ActionState.Proposed or ActionState.Approved or ActionState.Applied
            || (latest == ActionState.Succeeded && !details.OneShot);
        var cooling = latest is ActionState.Rejected or ActionState.Failed
            || (latest == ActionState.RolledBack && details.UndoReason != UndoReason.IssueResolved);
        return pending || (cooling && sinceChange < cooldown);
    }

    /// <summary>Whether an action in <paramref name="state"/> is in force, so a resolving issue undoes it when it is temporary.</summary>
    public static bool InForce(ActionState state) => state is ActionState.Applied or ActionState.Succeeded;

    /// <summary>The verdict as operators read it (meshctl, the API): the same words as before the verdict was typed.</summary>
    public static string? Describe(ActionDetails details) => details.Verdict switch
    {
        null => details.LegacyVerdict,
        Verdict.Better => "better",
        Verdict.NoWorse => "no worse",
        Verdict.Worse => "worse",
        Verdict.TooLittleTraffic => "too little traffic to judge; kept",
        Verdict.ReviewOpened => "a review: nothing in force to verify",
        Verdict.Undone when details.UndoReason == UndoReason.IssueResolved => ResolvedSentence,
        Verdict.Undone when details.UndoReason == UndoReason.Worse => "worse",
        _ => details.Reason,
    };

    /// <summary>The state of <paramref name="action"/>.</summary>
    public static ActionState StateOf(StoredAction action) => ActionStates.Parse(action.State);
}
