using System.Security.Cryptography.X509Certificates;

namespace Mesh.Heal.Sidecar.Identity;

/// <summary>A certificate this sidecar holds: the leaf with its private key, the trust bundle, the identity, when it expires and when it is renewed.</summary>
internal sealed record IssuedIdentity(X509Certificate2 Certificate, X509Certificate2Collection TrustBundle, string Identity, DateTimeOffset NotAfter, DateTimeOffset RenewAt);
