namespace Mesh.Heal.Sidecar.Identity;

/// <summary>The <c>Sidecar:Identity</c> section: whether the sidecar gets a certificate for its service identity.</summary>
public sealed class SidecarIdentityOptions
{
    /// <summary>Whether the sidecar asks the control plane for a certificate over its policy stream and renews it. Default false.</summary>
    /// <remarks>Needs <c>Sidecar:ControlPlaneUrl</c>. The certificate is renewed at 2/3 of its lifetime; the current one stays
    /// in use until the new one arrives.</remarks>
    public bool Enabled { get; set; }
}
