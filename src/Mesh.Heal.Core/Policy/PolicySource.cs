namespace Mesh.Heal.Policy;

/// <summary>Where the policy in force came from.</summary>
public enum PolicySource
{
    /// <summary>The sidecar's own configuration (<c>Resilience</c> section).</summary>
    Local = 0,

    /// <summary>A snapshot pushed by the control plane and ACKed.</summary>
    ControlPlane,

    /// <summary>The last control-plane snapshot accepted, read from disk at start-up while the control plane is away.</summary>
    LastKnownGood,
}
