using Mesh.Heal.ControlPlane.Healing;

namespace Mesh.Heal.ControlPlane.Store;

/// <summary>The names the store, the API and meshctl give <see cref="ActionState"/> and <see cref="IssueState"/>.</summary>
/// <remarks>The rules between the states are <see cref="HealingLifecycle"/>'s.</remarks>
internal static class ActionStates
{
    public const string Proposed = "proposed";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Applied = "applied";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string RolledBack = "rolled_back";

    public static string Name(ActionState state) => state switch
    {
        ActionState.Proposed => Proposed,
        ActionState.Approved => Approved,
        ActionState.Rejected => Rejected,
        ActionState.Applied => Applied,
        ActionState.Succeeded => Succeeded,
        ActionState.Failed => Failed,
        ActionState.RolledBack => RolledBack,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static ActionState Parse(string name) => name switch
    {
        Proposed => ActionState.Proposed,
        Approved => ActionState.Approved,
        Rejected => ActionState.Rejected,
        Applied => ActionState.Applied,
        Succeeded => ActionState.Succeeded,
        Failed => ActionState.Failed,
        RolledBack => ActionState.RolledBack,
        _ => throw new FormatException($"'{name}' is not an action state; accepted: proposed, approved, rejected, applied, succeeded, failed, rolled_back"),
    };

    public static string Name(IssueState state) => state switch
    {
        IssueState.Open => "open",
        IssueState.Mitigated => "mitigated",
        _ => "resolved",
    };
}
