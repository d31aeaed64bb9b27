namespace Mesh.Heal.ControlPlane.Store;

/// <summary>A healing action and where it is in its lifecycle.</summary>
internal sealed record StoredAction(
    string Id,
    string? IssueId,
    string Service,
    string Agent,
    string Kind,
    string Description,
    string Risk,
    string Mode,
    string State,
    bool DryRun,
    string Diff,
    string RollbackPlan,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string Key,
    string Details);
