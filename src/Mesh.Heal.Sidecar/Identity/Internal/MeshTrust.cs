using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Heal.Sidecar.Identity.Internal;

/// <summary>Whether a peer's certificate is a mesh identity this sidecar trusts: it chains to the trust bundle of the
/// sidecar's own certificate and names a service of the same trust domain (<c>spiffe://&lt;td&gt;/service/&lt;name&gt;</c>).</summary>
/// <remarks>The host name a peer was reached by is not checked: a mesh peer is identified by its URI SAN, not by its address.</remarks>
internal static class MeshTrust
{
    private const string Scheme = "spiffe://";
    private const string ServicePath = "/service/";

    /// <summary>The trust domain of a SPIFFE identity (<c>meshheal.local</c> of <c>spiffe://meshheal.local/service/orders</c>), or null.</summary>
    public static string? TrustDomain(string? identity)
    {
        if (identity is null || !identity.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return null;
        }

        var slash = identity.IndexOf('/', Scheme.Length);
        return slash > Scheme.Length ? identity[Scheme.Length..slash] : null;
    }

    /// <summary>The identity of <paramref name="service"/> in the trust domain of <paramref name="own"/>, or null when <paramref name="own"/> names none.</summary>
    public static string? ServiceIdentity(IssuedIdentity own, string service) =>
        TrustDomain(own.Identity) is { } trustDomain ? Scheme + trustDomain + ServicePath + service : null;

    /// <summary>Why <paramref name="presented"/> is not a mesh service identity trusted by <paramref name="own"/> at <paramref name="at"/>, or null when it is.</summary>
    /// <param name="presented">The peer's certificate; null when it presented none.</param>
    /// <param name="own">This sidecar's certificate and trust bundle.</param>
    /// <param name="at">When the check is made (validity periods are checked against it).</param>
    /// <param name="identity">The peer's SPIFFE identity when it is trusted, else the URI it named (or null).</param>
    public static string? Check(X509Certificate? presented, IssuedIdentity own, DateTimeOffset at, out string? identity)
    {
        identity = null;
        if (presented is null)
        {
            return "no certificate";
        }

        var certificate = presented as X509Certificate2;
        using var loaded = certificate is null ? X509CertificateLoader.LoadCertificate(presented.GetRawCertData()) : null;
        certificate ??= loaded!;
        try
        {
            identity = SidecarIdentity.UriName(certificate);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException)
        {
            return "its subject alternative names cannot be read: " + ex.Message;
        }

        if (SidecarIdentity.ChainError(certificate, own.TrustBundle, at) is { } chainError)
        {
            return "it does not chain to the mesh trust bundle: " + chainError;
        }

        var trustDomain = TrustDomain(own.Identity);
        if (identity is null || trustDomain is null || TrustDomain(identity) != trustDomain
            || !identity.AsSpan(Scheme.Length + trustDomain.Length).StartsWith(ServicePath, StringComparison.Ordinal)
            || identity.Length == Scheme.Length + trustDomain.Length + ServicePath.Length)
        {
            return $"its identity '{identity ?? "(no URI name)"}' is not a service of {Scheme}{trustDomain}";
        }

        return null;
    }
}
