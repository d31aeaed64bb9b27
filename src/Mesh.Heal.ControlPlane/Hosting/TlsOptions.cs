namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>A PEM certificate and key for the gRPC listener: the <c>ControlPlane:Tls</c> section.</summary>
/// <remarks>Needed when <c>ControlPlane:GrpcUrl</c> is <c>https://</c>.</remarks>
public sealed class TlsOptions
{
    /// <summary>The certificate (PEM). Default none.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The private key (PEM). Default none: the key is read from <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }
}
