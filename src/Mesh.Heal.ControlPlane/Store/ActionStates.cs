namespace Mesh.Heal.ControlPlane.Store;

/// <summary>The lifecycle of an action: which operator verbs move it from which state.</summary>
/// <remarks>
/// proposed → approved (approve) or rejected (reject); an approved or auto action is applied by the coordinator and
/// then verified (succeeded or failed); applied, succeeded or failed → rolled_back (rollback).
/// </remarks>
internal static class ActionStates
{
    public const string Proposed = "proposed";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Applied = "applied";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string RolledBack = "rolled_back";

    /// <summary>The states each verb accepts and the state it leads to.</summary>
    public static (string[] From, string To) Transition(string verb) => verb switch
    {
        "approve" => ([Proposed], Approved),
        "reject" => ([Proposed], Rejected),
        "rollback" => ([Applied, Succeeded, Failed], RolledBack),
        _ => throw new ArgumentOutOfRangeException(nameof(verb), verb, "accepted: approve, reject, rollback"),
    };
}
