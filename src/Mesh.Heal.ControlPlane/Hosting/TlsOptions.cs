namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>A PEM certificate and key for the https listeners: the <c>ControlPlane:Tls</c> section.</summary>
/// <remarks>Needed when <c>ControlPlane:GrpcUrl</c> or <c>ControlPlane:HttpUrl</c> is <c>https://</c>; both serve this one
/// certificate (the admission webhook on the HTTP listener needs TLS, as the API server calls webhooks over https only).</remarks>
public sealed class TlsOptions
{
    /// <summary>The certificate (PEM). Default none.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The private key (PEM). Default none: the key is read from <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }
}
