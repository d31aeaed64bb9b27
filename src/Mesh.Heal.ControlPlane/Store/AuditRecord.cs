namespace Mesh.Heal.ControlPlane.Store;

/// <summary>One entry of the audit log.</summary>
internal sealed record AuditRecord(long Id, DateTimeOffset At, string Actor, string Kind, string Service, string Subject, string Detail);
