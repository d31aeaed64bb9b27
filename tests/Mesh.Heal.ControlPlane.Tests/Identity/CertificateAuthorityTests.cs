using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Heal.ControlPlane.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Tests.Identity;

/// <summary>The identity CA: issued leaves, refused requests, and the root kept in the store. Runs once per database (the two
/// subclasses at the end of the file).</summary>
public abstract class CertificateAuthorityTests
{
    private protected abstract Task<TestStore> OpenAsync();

    private static CertificateAuthority Ca(TestStore test, IdentityOptions? options = null) =>
        new(Options.Create(options ?? new IdentityOptions { Enabled = true }), test.Store, test.Time, NullLogger<CertificateAuthority>.Instance);

    /// <summary>A PKCS#10 request signed by a new P-256 key, with <paramref name="commonName"/> and, when given, a URI SAN.</summary>
    internal static byte[] Csr(string commonName, string? uri = null, ECDsa? key = null)
    {
        using var own = key is null ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null;
        var request = new CertificateRequest("CN=" + commonName, key ?? own!, HashAlgorithmName.SHA256);
        if (uri is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(new Uri(uri));
            request.CertificateExtensions.Add(san.Build());
        }

        return request.CreateSigningRequest();
    }

    /// <summary>The URI SANs of <paramref name="certificate"/>.</summary>
    internal static IReadOnlyList<string> Uris(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.First(e => e.Oid?.Value == "2.5.29.17");
        var reader = new System.Formats.Asn1.AsnReader(san.RawData, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        var uris = new List<string>();
        var tag = new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 6);
        while (reader.HasData)
        {
            if (reader.PeekTag().HasSameClassAndValue(tag))
            {
                uris.Add(reader.ReadCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, tag));
            }
            else
            {
                reader.ReadEncodedValue();
            }
        }

        return uris;
    }

    /// <summary>Whether <paramref name="leaf"/> chains to <paramref name="root"/> alone, at <paramref name="at"/>.</summary>
    internal static bool Chains(X509Certificate2 leaf, X509Certificate2 root, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        return chain.Build(leaf);
    }

    [Fact]
    public async Task Issue_RequestForItsOwnService_LeafWithTheServiceIdentity_ChainsToTheRoot()
    {
        using var test = await OpenAsync();
        using var ca = Ca(test, new IdentityOptions { Enabled = true, CertificateLifetime = TimeSpan.FromMinutes(30) });

        var issued = ca.Issue("orders", Csr("orders", "spiffe://meshheal.local/service/orders"), "sidecar:orders");

        using var leaf = X509Certificate2.CreateFromPem(issued.CertificatePem);
        using var root = X509Certificate2.CreateFromPem(issued.TrustBundlePem);
        var now = test.Time.GetUtcNow();
        Assert.Equal("spiffe://meshheal.local/service/orders", issued.SpiffeId);
        Assert.Equal(["spiffe://meshheal.local/service/orders"], Uris(leaf));
        Assert.True(Chains(leaf, root, now));
        Assert.Equal(now + TimeSpan.FromMinutes(30), issued.NotAfter);
        Assert.Equal((now - TimeSpan.FromMinutes(1)).UtcDateTime, leaf.NotBefore.ToUniversalTime());
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, leaf.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        var usages = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToList();
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], usages);
        Assert.False(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        var audit = test.Store.AuditLog("orders", 10);
        Assert.Contains(audit, a => a.Kind == "identity.issued" && a.Subject == issued.SpiffeId && a.Actor == "sidecar:orders");
    }

    [Fact]
    public async Task Issue_TwoRequests_HaveDifferentSerials()
    {
        using var test = await OpenAsync();
        using var ca = Ca(test);

        var first = ca.Issue("orders", Csr("orders"), "sidecar:orders");
        var second = ca.Issue("orders", Csr("orders"), "sidecar:orders");

        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
    }

    [Theory]
    [InlineData("payments", null, "the common name 'payments'")]
    [InlineData("orders", "spiffe://meshheal.local/service/payments", "the URI 'spiffe://meshheal.local/service/payments'")]
    public async Task Issue_RequestForAnotherIdentity_IsRefused_AndAudited(string commonName, string? uri, string named)
    {
        using var test = await OpenAsync();
        using var ca = Ca(test);

        var refused = Assert.Throws<CertificateRequestException>(() => ca.Issue("orders", Csr(commonName, uri), "sidecar:orders"));

        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
        var audit = Assert.Single(test.Store.AuditLog("orders", 10));
        Assert.Equal("identity.refused", audit.Kind);
        Assert.Equal(refused.Message, audit.Detail);
    }

    [Fact]
    public async Task Issue_RequestWithABrokenSignature_IsRefused()
    {
        using var test = await OpenAsync();
        using var ca = Ca(test);
        var csr = Csr("orders");
        csr[^5] ^= 0xFF;

        var refused = Assert.Throws<CertificateRequestException>(() => ca.Issue("orders", csr, "sidecar:orders"));

        Assert.StartsWith("the certificate request is not a valid signed PKCS#10 request", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Root_Generated_IsKeptInTheStore_AndReusedAfterARestart()
    {
        var test = await OpenAsync();
        string thumbprint;
        using (var ca = Ca(test))
        {
            thumbprint = ca.RootCertificate.Thumbprint;
        }

        using var reopened = test.Reopen();
        using var again = Ca(reopened);
        var issued = again.Issue("orders", Csr("orders"), "sidecar:orders");

        Assert.Equal(thumbprint, again.RootCertificate.Thumbprint);
        using var leaf = X509Certificate2.CreateFromPem(issued.CertificatePem);
        Assert.Equal(again.RootCertificate.SubjectName.Name, leaf.IssuerName.Name);
    }

    [Fact]
    public async Task Root_TwoStoresRacing_EndWithOneRoot()
    {
        using var first = await OpenAsync();
        using var second = Second(first);
        using var a = Ca(first);
        using var b = Ca(second);
        using var start = new Barrier(2);

        var roots = await Task.WhenAll(
            Task.Run(() => { start.SignalAndWait(); return a.RootCertificate.Thumbprint; }),
            Task.Run(() => { start.SignalAndWait(); return b.RootCertificate.Thumbprint; }));

        Assert.Equal(roots[0], roots[1]);
    }

    /// <summary>Another store on the same database: a second replica (PostgreSQL) or a second process's store on the same file (SQLite).</summary>
    private protected abstract TestStore Second(TestStore first);

    [Fact]
    public async Task Root_FromFiles_SignsWithThatRoot_AndStoresNothing()
    {
        using var test = await OpenAsync();
        var (certificatePem, keyPem) = CertificateAuthority.GenerateRoot("example.org", test.Time);
        var directory = Directory.CreateTempSubdirectory("meshheal-ca-").FullName;
        File.WriteAllText(Path.Combine(directory, "ca.crt"), certificatePem);
        File.WriteAllText(Path.Combine(directory, "ca.key"), keyPem);
        using var ca = Ca(test, new IdentityOptions
        {
            Enabled = true,
            TrustDomain = "example.org",
            CaCertificate = Path.Combine(directory, "ca.crt"),
            CaKey = Path.Combine(directory, "ca.key"),
        });

        var issued = ca.Issue("orders", Csr("orders"), "sidecar:orders");

        using var root = X509Certificate2.CreateFromPem(certificatePem);
        using var leaf = X509Certificate2.CreateFromPem(issued.CertificatePem);
        Assert.True(Chains(leaf, root, test.Time.GetUtcNow()));
        Assert.Equal(["spiffe://example.org/service/orders"], Uris(leaf));
        Assert.Null(test.Store.StoredCaRoot("identity"));
    }
}

/// <summary><see cref="CertificateAuthorityTests"/> on SQLite.</summary>
public sealed class SqliteCertificateAuthorityTests : CertificateAuthorityTests
{
    private protected override Task<TestStore> OpenAsync() => Task.FromResult(new TestStore());

    private protected override TestStore Second(TestStore first) => new(first.Time, first.Directory);
}

/// <summary><see cref="CertificateAuthorityTests"/> on PostgreSQL, a fresh database per test.</summary>
public sealed class PostgresCertificateAuthorityTests(PostgresFixture postgres) : CertificateAuthorityTests, IClassFixture<PostgresFixture>
{
    private protected override Task<TestStore> OpenAsync() => postgres.StoreAsync();

    private protected override TestStore Second(TestStore first) => first.Replica();
}
