namespace Mesh.Heal.ControlPlane.Identity;

/// <summary>A certificate the CA issued: the identity, the leaf (PEM), the trust bundle (PEM), when it expires, its serial.</summary>
internal sealed record IssuedIdentity(string SpiffeId, string CertificatePem, string TrustBundlePem, DateTimeOffset NotAfter, string SerialNumber);
