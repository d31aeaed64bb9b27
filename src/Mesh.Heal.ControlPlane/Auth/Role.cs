namespace Mesh.Heal.ControlPlane.Auth;

/// <summary>What a bearer token may do.</summary>
public enum Role
{
    /// <summary>Open the policy and telemetry streams, and push logs, of the one service the credential is bound to; nothing else.</summary>
    Sidecar,

    /// <summary>Read the MeshControl API.</summary>
    Reader,

    /// <summary>Read the API, change policy, act on actions (and open any service's sidecar streams).</summary>
    Admin,
}
