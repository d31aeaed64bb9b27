namespace Mesh.Heal.ControlPlane.Identity;

/// <summary>A certificate request the CA refuses, with why.</summary>
internal sealed class CertificateRequestException(string message) : Exception(message);
