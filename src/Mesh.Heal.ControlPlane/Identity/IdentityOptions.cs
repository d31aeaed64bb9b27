namespace Mesh.Heal.ControlPlane.Identity;

/// <summary>The control plane's certificate authority for sidecar identities: the <c>ControlPlane:Identity</c> section.</summary>
/// <remarks>
/// With <see cref="Enabled"/>, a sidecar that sends a certificate request on its policy stream gets a certificate for its
/// service, <c>spiffe://&lt;TrustDomain&gt;/service/&lt;service&gt;</c>. The root is <see cref="CaCertificate"/> and
/// <see cref="CaKey"/> when both are set (a mounted Secret), else one generated at first start and kept in the store, so
/// every replica signs with the same root.
/// </remarks>
public sealed class IdentityOptions
{
    /// <summary>Whether sidecars may ask for certificates. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>The SPIFFE trust domain of the identities. Default <c>meshheal.local</c>.</summary>
    public string TrustDomain { get; set; } = IdentityConstants.DefaultTrustDomain;

    /// <summary>The root certificate (PEM file). Default none: a generated root kept in the store. Set with <see cref="CaKey"/>.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>The root's private key (PEM file). Default none. Set with <see cref="CaCertificate"/>.</summary>
    public string? CaKey { get; set; }

    /// <summary>How long an issued certificate is valid. Default 1 h; accepted 5 min to 7 days.</summary>
    public TimeSpan CertificateLifetime { get; set; } = IdentityConstants.DefaultLifetime;
}
