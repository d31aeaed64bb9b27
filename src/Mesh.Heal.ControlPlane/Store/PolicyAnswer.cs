namespace Mesh.Heal.ControlPlane.Store;

/// <summary>A sidecar's answer to a policy snapshot: an ACK (<see cref="Error"/> null) or a NACK, and when it arrived.</summary>
internal sealed record PolicyAnswer(string Service, string Instance, long Version, string Nonce, string? Error, DateTimeOffset At);
