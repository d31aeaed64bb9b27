using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Identity;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Sidecar.Identity.Internal;
using Mesh.Heal.Sidecar.PolicySync.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.Sidecar.Tests.Identity;

/// <summary>The checks behind the inbound listener's client-certificate callback and the outbound mesh-peer callback, with
/// certificates made here: a mesh root, leaves with SPIFFE URI names, and the ways a peer's certificate can be wrong.</summary>
public sealed class MeshTrustTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);
    private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _otherRootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _otherRoot;
    private readonly IssuedIdentity _own;

    public MeshTrustTests()
    {
        _root = Root("CN=mesh root", _rootKey);
        _otherRoot = Root("CN=another root", _otherRootKey);
        _own = new IssuedIdentity(Leaf(_root, _rootKey, "spiffe://meshheal.local/service/shop"), [_root], "spiffe://meshheal.local/service/shop", Now.AddHours(1), Now.AddMinutes(40));
    }

    public static TheoryData<string, string> WrongCertificates() => new()
    {
        { "expired", "does not chain" },
        { "untrusted root", "does not chain" },
        { "other trust domain", "is not a service of spiffe://meshheal.local" },
        { "not a service", "is not a service of spiffe://meshheal.local" },
        { "no uri name", "'(no URI name)' is not a service" },
    };

    [Fact]
    public void Check_AMeshLeafOfTheSameRoot_IsTrusted_WithItsIdentity()
    {
        using var peer = Leaf(_root, _rootKey, "spiffe://meshheal.local/service/orders");

        Assert.Null(MeshTrust.Check(peer, _own, Now, out var identity));
        Assert.Equal("spiffe://meshheal.local/service/orders", identity);
    }

    [Theory]
    [MemberData(nameof(WrongCertificates))]
    public void Check_AWrongCertificate_IsRefused_WithWhy(string kind, string why)
    {
        using var certificate = Wrong(kind);

        Assert.Contains(why, MeshTrust.Check(certificate, _own, Now, out _));
    }

    [Theory]
    [MemberData(nameof(WrongCertificates))]
    public void ClientRefusal_APresentedWrongCertificate_IsRefusedInBothModes(string kind, string why)
    {
        using var certificate = Wrong(kind);

        foreach (var mode in new[] { MtlsMode.Permissive, MtlsMode.Required })
        {
            var refusal = InboundTls.ClientRefusal(certificate, _own, mode, Now);
            Assert.Equal("untrusted_client_certificate", refusal?.Reason);
            Assert.Contains(why, refusal?.Detail);
        }
    }

    [Fact]
    public void ClientRefusal_NoCertificate_IsAcceptedUnderPermissive_AndRefusedUnderRequired()
    {
        Assert.Null(InboundTls.ClientRefusal(null, _own, MtlsMode.Permissive, Now));
        Assert.Equal("no_client_certificate", InboundTls.ClientRefusal(null, _own, MtlsMode.Required, Now)?.Reason);
    }

    [Fact]
    public void ClientRefusal_AValidMeshCertificate_IsAccepted_ButNotBeforeTheSidecarHasItsOwn()
    {
        using var peer = Leaf(_root, _rootKey, "spiffe://meshheal.local/service/orders");

        Assert.Null(InboundTls.ClientRefusal(peer, _own, MtlsMode.Required, Now));
        Assert.Equal("untrusted_client_certificate", InboundTls.ClientRefusal(peer, own: null, MtlsMode.Permissive, Now)?.Reason);
    }

    [Fact]
    public void PeerError_TheExpectedPeer_IsAccepted_AnotherServiceIsAMismatch_NamingBoth()
    {
        using var orders = Leaf(_root, _rootKey, "spiffe://meshheal.local/service/orders");

        Assert.Null(MeshForwarderHttpClientFactory.PeerError(orders, _own, "orders", Now, out _, out _));
        Assert.Equal("peer identity mismatch", MeshForwarderHttpClientFactory.PeerError(orders, _own, "billing", Now, out var expected, out var presented));
        Assert.Equal("spiffe://meshheal.local/service/billing", expected);
        Assert.Equal("spiffe://meshheal.local/service/orders", presented);
    }

    [Theory]
    [MemberData(nameof(WrongCertificates))]
    public void PeerError_AWrongCertificate_IsRefused(string kind, string why)
    {
        using var certificate = Wrong(kind);

        Assert.Contains(why, MeshForwarderHttpClientFactory.PeerError(certificate, _own, "orders", Now, out _, out _));
    }

    [Fact]
    public void PeerError_NoServerCertificate_OrNoOwnIdentity_IsRefused()
    {
        using var orders = Leaf(_root, _rootKey, "spiffe://meshheal.local/service/orders");

        Assert.Equal("no certificate", MeshForwarderHttpClientFactory.PeerError(null, _own, "orders", Now, out _, out _));
        Assert.NotNull(MeshForwarderHttpClientFactory.PeerError(orders, own: null, "orders", Now, out _, out _));
    }

    [Theory]
    [InlineData("orders", null, "orders")]
    [InlineData("orders", "billing", "billing")]
    [InlineData("orders", " None ", null)]
    [InlineData("orders", "", "orders")]
    public void PeerService_IsTheMetadata_ElseTheClusterId_AndNoneMeansNoMeshPeer(string clusterId, string? metadata, string? expected)
    {
        var values = metadata is null ? null : new Dictionary<string, string> { [MeshForwarderHttpClientFactory.PeerServiceMetadata] = metadata };

        Assert.Equal(expected, MeshForwarderHttpClientFactory.PeerService(clusterId, values));
    }

    [Theory]
    [InlineData(true, null, true)]
    [InlineData(true, "billing", true)]
    [InlineData(true, "none", false)]
    [InlineData(false, null, false)]
    public void ConfigureMeshPeer_MeshClusters_GetTheCallbacksAndAOneMinutePool_OthersKeepYarpsDefaults(bool identity, string? peerService, bool mesh)
    {
        var time = new FakeTimeProvider(Now);
        using var sidecarIdentity = new SidecarIdentity(
            Options.Create(new SidecarOptions { Service = "shop", Identity = { Enabled = identity } }), time, new StreamReconnect(time, () => 1.0), NullLogger<SidecarIdentity>.Instance);
        var factory = new MeshForwarderHttpClientFactory(
            sidecarIdentity, time, NullLogger<Yarp.ReverseProxy.Forwarder.ForwarderHttpClientFactory>.Instance, NullLogger<MeshForwarderHttpClientFactory>.Instance);
        using var handler = new SocketsHttpHandler();
        var defaultLifetime = handler.PooledConnectionLifetime;
        var metadata = peerService is null ? null : new Dictionary<string, string> { [MeshForwarderHttpClientFactory.PeerServiceMetadata] = peerService };

        Assert.Equal(mesh, factory.ConfigureMeshPeer("orders", metadata, handler));
        Assert.Equal(mesh ? TimeSpan.FromMinutes(1) : defaultLifetime, handler.PooledConnectionLifetime);
        Assert.Equal(mesh, handler.SslOptions.LocalCertificateSelectionCallback is not null);
        Assert.Equal(mesh, handler.SslOptions.RemoteCertificateValidationCallback is not null);
    }

    [Theory]
    [InlineData("spiffe://meshheal.local/service/orders", "meshheal.local")]
    [InlineData("spiffe://corp.example/service/a", "corp.example")]
    [InlineData("https://meshheal.local/service/orders", null)]
    [InlineData("spiffe:///service/orders", null)]
    public void TrustDomain_OfAnIdentity(string identity, string? expected) => Assert.Equal(expected, MeshTrust.TrustDomain(identity));

    public void Dispose()
    {
        _own.Certificate.Dispose();
        _root.Dispose();
        _otherRoot.Dispose();
        _rootKey.Dispose();
        _otherRootKey.Dispose();
    }

    private X509Certificate2 Wrong(string kind) => kind switch
    {
        "expired" => Leaf(_root, _rootKey, "spiffe://meshheal.local/service/orders", notAfter: Now.AddMinutes(-1)),
        "untrusted root" => Leaf(_otherRoot, _otherRootKey, "spiffe://meshheal.local/service/orders"),
        "other trust domain" => Leaf(_root, _rootKey, "spiffe://other.local/service/orders"),
        "not a service" => Leaf(_root, _rootKey, "spiffe://meshheal.local/workload/orders"),
        "no uri name" => Leaf(_root, _rootKey, uri: null),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static X509Certificate2 Root(string name, ECDsa key)
    {
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return request.CreateSelfSigned(Now.AddDays(-1), Now.AddDays(30));
    }

    private static X509Certificate2 Leaf(X509Certificate2 issuer, ECDsa issuerKey, string? uri, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=peer", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        if (uri is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(new Uri(uri));
            request.CertificateExtensions.Add(san.Build(critical: true));
        }
        else
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("peer.example");
            request.CertificateExtensions.Add(san.Build(critical: false));
        }

        var end = notAfter ?? Now.AddHours(1);
        using var leaf = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), end.AddHours(-2), end, RandomNumberGenerator.GetBytes(16));
        return leaf.CopyWithPrivateKey(key);
    }
}
