namespace Mesh.Heal.ControlPlane.Store;

/// <summary>A sidecar as the control plane last knew it.</summary>
internal sealed record StoredSidecar(
    string Service,
    string Instance,
    string Zone,
    string SidecarVersion,
    bool Connected,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    long AckedVersion,
    DateTimeOffset? AckedAt,
    long? NackVersion,
    string? NackError,
    DateTimeOffset? NackAt);
