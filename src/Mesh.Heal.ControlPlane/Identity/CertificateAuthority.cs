using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Heal.ControlPlane.Store;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Identity;

/// <summary>The control plane's CA: signs sidecars' certificate requests for their service's identity.</summary>
/// <remarks>
/// <para>
/// The root is <see cref="IdentityOptions.CaCertificate"/> and <see cref="IdentityOptions.CaKey"/> when set, else the one in
/// the store, generated (ECDSA P-256) by the first replica that needed it: each replica offers its own and reads back the one
/// stored, so replicas starting at once still share one root. It is loaded at start when identity is enabled.
/// </para>
/// <para>
/// A leaf names only the service the caller's credential is bound to: its URI SAN is <c>spiffe://&lt;trust-domain&gt;/service/&lt;service&gt;</c>
/// whatever the request asked, and a request asking for another identity (another URI SAN or common name) is refused. Leaves
/// are for digital signatures in TLS as server and as client, valid <see cref="IdentityOptions.CertificateLifetime"/> from a
/// minute back (clock skew), never past the root, with a random serial. Every issue and refusal is in the audit log.
/// </para>
/// </remarks>
internal sealed partial class CertificateAuthority : IHostedService, IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private const string SubjectAltNameOid = "2.5.29.17";
    private const string CommonNameOid = "2.5.4.3";

    private readonly IdentityOptions _options;
    private readonly MeshStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Root? _root;

    public CertificateAuthority(IOptions<IdentityOptions> options, MeshStore store, TimeProvider time, ILogger<CertificateAuthority> logger)
    {
        _options = options.Value;
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>Whether sidecars may ask for certificates.</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>The root certificate, loaded (or generated and stored) on first use.</summary>
    public X509Certificate2 RootCertificate => CurrentRoot().Certificate;

    /// <summary>The trust bundle sidecars get: the root, PEM.</summary>
    public string TrustBundlePem => CurrentRoot().Pem;

    /// <summary>The identity of <paramref name="service"/> in this trust domain.</summary>
    public string SpiffeId(string service) => IdentityConstants.SpiffeId(_options.TrustDomain, service);

    /// <summary>Signs the PKCS#10 request <paramref name="csrDer"/> for <paramref name="service"/>, the service the caller's credential is bound to.</summary>
    /// <exception cref="CertificateRequestException">The request is malformed, its signature does not verify, or it asks for another identity.</exception>
    public IssuedIdentity Issue(string service, ReadOnlySpan<byte> csrDer, string actor)
    {
        var spiffeId = SpiffeId(service);
        try
        {
            var request = Load(csrDer);
            if (OtherIdentity(request, service, spiffeId) is { } other)
            {
                throw new CertificateRequestException($"the request asks for {other}; this credential may be issued '{spiffeId}' only");
            }

            var issued = Sign(request.PublicKey, service, spiffeId);
            _store.Audit(actor, "identity.issued", service, spiffeId, $"serial {issued.SerialNumber}, not after {issued.NotAfter:O}");
            LogIssued(_logger, spiffeId, issued.SerialNumber, issued.NotAfter);
            return issued;
        }
        catch (CertificateRequestException ex)
        {
            _store.Audit(actor, "identity.refused", service, spiffeId, ex.Message);
            LogRefused(_logger, spiffeId, ex.Message);
            throw;
        }
    }

    /// <summary>Reads a CA certificate and its key from PEM files; Error says why they are not usable.</summary>
    public static (X509Certificate2? Root, string? Error) LoadRoot(string certificatePath, string keyPath)
    {
        try
        {
            var root = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            return IsCa(root) ? (root, null) : (null, "the certificate is not a CA (basic constraints)");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            return (null, ex.Message);
        }
    }

    /// <summary>A new self-signed ECDSA P-256 root for <paramref name="trustDomain"/>, as PEM certificate and PKCS#8 key.</summary>
    public static (string CertificatePem, string KeyPem) GenerateRoot(string trustDomain, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"O=Mesh.Heal, CN={trustDomain} root", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var root = request.CreateSelfSigned(now - IdentityConstants.ClockSkew, now + IdentityConstants.RootLifetime);
        return (root.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Enabled)
        {
            _ = CurrentRoot();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _root?.Certificate.Dispose();

    private Root CurrentRoot()
    {
        lock (_lock)
        {
            return _root ??= LoadOrCreateRoot();
        }
    }

    private Root LoadOrCreateRoot()
    {
        X509Certificate2 certificate;
        if (_options.CaCertificate is { Length: > 0 } certificatePath && _options.CaKey is { Length: > 0 } keyPath)
        {
            // Validated at start-up, so the files load here.
            certificate = LoadRoot(certificatePath, keyPath).Root!;
            LogRoot(_logger, "files " + certificatePath, certificate.Thumbprint, certificate.NotAfter);
        }
        else
        {
            var offered = GenerateRoot(_options.TrustDomain, _time);
            var (certificatePem, keyPem) = _store.CaRoot(IdentityConstants.StoredRootName, offered.CertificatePem, offered.KeyPem);
            certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            LogRoot(_logger, certificatePem == offered.CertificatePem ? "generated, stored" : "the store", certificate.Thumbprint, certificate.NotAfter);
        }

        return new Root(certificate, certificate.ExportCertificatePem());
    }

    private static bool IsCa(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true };

    private static CertificateRequest Load(ReadOnlySpan<byte> csrDer)
    {
        if (csrDer.IsEmpty)
        {
            throw new CertificateRequestException("the certificate request is empty; accepted: a PKCS#10 request in DER");
        }

        try
        {
            // Loading checks the request's signature, so whoever sent it holds the private key.
            return CertificateRequest.LoadSigningRequest(
                csrDer, HashAlgorithmName.SHA256, out _, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException ex)
        {
            throw new CertificateRequestException($"the certificate request is not a valid signed PKCS#10 request: {ex.Message}");
        }
    }

    /// <summary>What other identity the request names, or null when it names none or only <paramref name="spiffeId"/>.</summary>
    private static string? OtherIdentity(CertificateRequest request, string service, string spiffeId)
    {
        foreach (var name in request.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (!name.HasMultipleElements && name.GetSingleElementType().Value == CommonNameOid && name.GetSingleElementValue() is { Length: > 0 } commonName
                && !string.Equals(commonName, service, StringComparison.Ordinal) && !string.Equals(commonName, spiffeId, StringComparison.Ordinal))
            {
                return $"the common name '{commonName}'";
            }
        }

        foreach (var extension in request.CertificateExtensions)
        {
            if (extension.Oid?.Value != SubjectAltNameOid)
            {
                continue;
            }

            foreach (var uri in Uris(extension.RawData))
            {
                if (!string.Equals(uri, spiffeId, StringComparison.Ordinal))
                {
                    return $"the URI '{uri}'";
                }
            }
        }

        return null;
    }

    /// <summary>The uniformResourceIdentifier names ([6] IA5String) of a subjectAltName extension's value.</summary>
    private static List<string> Uris(byte[] san)
    {
        var uris = new List<string>();
        try
        {
            var names = new AsnReader(san, AsnEncodingRules.DER).ReadSequence();
            var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (names.HasData)
            {
                if (names.PeekTag().HasSameClassAndValue(uriTag))
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException ex)
        {
            throw new CertificateRequestException($"the request's subjectAltName is malformed: {ex.Message}");
        }

        return uris;
    }

    private IssuedIdentity Sign(PublicKey publicKey, string service, string spiffeId)
    {
        var root = CurrentRoot();
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + service), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth, ClientAuth], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(spiffeId));
        request.CertificateExtensions.Add(san.Build(critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root.Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        var now = _time.GetUtcNow();
        var notBefore = now - IdentityConstants.ClockSkew;
        var notAfter = now + _options.CertificateLifetime;
        var rootNotAfter = new DateTimeOffset(root.Certificate.NotAfter.ToUniversalTime());
        if (notAfter > rootNotAfter)
        {
            notAfter = rootNotAfter;
        }

        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F; // a positive INTEGER
        using var generator = Generator(root.Certificate);
        using var leaf = request.Create(root.Certificate.SubjectName, generator.Generator, notBefore, notAfter, serial);
        return new IssuedIdentity(spiffeId, leaf.ExportCertificatePem(), root.Pem, new DateTimeOffset(leaf.NotAfter.ToUniversalTime()), leaf.SerialNumber);
    }

    private static DisposableGenerator Generator(X509Certificate2 root)
    {
        if (root.GetECDsaPrivateKey() is { } ec)
        {
            return new DisposableGenerator(X509SignatureGenerator.CreateForECDsa(ec), ec);
        }

        var rsa = root.GetRSAPrivateKey() ?? throw new InvalidOperationException("the CA key is neither ECDSA nor RSA");
        return new DisposableGenerator(X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1), rsa);
    }

    private sealed record Root(X509Certificate2 Certificate, string Pem);

    /// <summary>A signature generator and the key it holds, disposed together.</summary>
    private sealed class DisposableGenerator(X509SignatureGenerator generator, AsymmetricAlgorithm key) : IDisposable
    {
        public X509SignatureGenerator Generator { get; } = generator;

        public void Dispose() => key.Dispose();
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Identity CA root from {Source}: thumbprint {Thumbprint}, not after {NotAfter:O}")]
    private static partial void LogRoot(ILogger logger, string source, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "Issued {Identity} serial {Serial}, not after {NotAfter:O}")]
    private static partial void LogIssued(ILogger logger, string identity, string serial, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "Refused a certificate for {Identity}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string identity, string reason);
}
