using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Mesh.Heal.IntegrationTests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

/// <summary>Issue 22: sidecar certificates from the control plane's CA over the policy stream. Real control plane and sidecar on loopback.</summary>
[Collection(nameof(IntegrationCollection))]
public class CertificateTests
{
    private const string Admin = "admin-token-0123456789";
    private const string Orders = "orders-token-0123456789";

    private static Task<TestControlPlane> StartAsync(FakeTimeProvider? time, params string[] extra) => TestControlPlane.StartAsync(
        builder =>
        {
            if (time is not null)
            {
                builder.Services.AddSingleton<TimeProvider>(time);
            }
        },
        ["--ControlPlane:Auth:AdminTokens:0=" + Admin, "--ControlPlane:Auth:ServiceTokens:orders:0=" + Orders, .. extra]);

    private static Wire.PolicyRequest CertificateRequest(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=" + commonName, key, HashAlgorithmName.SHA256).CreateSigningRequest();
        return new Wire.PolicyRequest { CertificateRequest = new Wire.CertificateRequest { Csr = ByteString.CopyFrom(csr) } };
    }

    [Fact]
    public async Task PolicyStream_CertificateRequests_AreAnsweredBesideThePolicy_WithoutDisturbingItsAck()
    {
        await using var controlPlane = await StartAsync(null, "--ControlPlane:Identity:Enabled=true");
        await controlPlane.PutPolicyAsync("orders", "service: orders\nclusters: { backend: { timeout: 2s } }\n", Admin);
        using var stream = await controlPlane.OpenPolicyStreamAsync(Orders, "orders", "orders-1");
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        var policy = stream.ResponseStream.Current;

        await stream.RequestStream.WriteAsync(CertificateRequest("payments"));
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        var refused = stream.ResponseStream.Current;
        await stream.RequestStream.WriteAsync(CertificateRequest("orders"));
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        var issued = stream.ResponseStream.Current;
        await stream.RequestStream.WriteAsync(new Wire.PolicyRequest { Version = policy.Version, ResponseNonce = policy.Nonce });

        Assert.Null(refused.Policy);
        Assert.Equal(policy.Version, refused.Version);
        Assert.Equal("the request asks for the common name 'payments'; this credential may be issued 'spiffe://meshheal.local/service/orders' only", refused.Certificate.Error);
        Assert.Empty(refused.Certificate.CertificateChainPem);
        Assert.Null(issued.Policy);
        Assert.Empty(issued.Certificate.Error);
        using var leaf = X509Certificate2.CreateFromPem(issued.Certificate.CertificateChainPem);
        using var root = X509Certificate2.CreateFromPem(issued.Certificate.TrustBundlePem);
        Assert.Equal("CN=orders", leaf.Subject);
        Assert.Equal(root.Subject, leaf.Issuer);
        Assert.Equal(leaf.NotAfter.ToUniversalTime(), issued.Certificate.NotAfter.ToDateTime());

        // The policy's ACK still counts: the certificates did not take the place of the snapshot it names.
        await Wait.UntilAsync(() => controlPlane.Store.Sidecars("orders").Single().AckedVersion == policy.Version, "the policy ACK was recorded");
        Assert.Contains(controlPlane.Store.AuditLog("orders", 10), a => a.Kind == "identity.refused");
    }

    [Fact]
    public async Task PolicyStream_CertificateRequest_WithIdentityOff_IsAnsweredWithWhy()
    {
        await using var controlPlane = await StartAsync(null);
        using var stream = await controlPlane.OpenPolicyStreamAsync(Orders, "orders", "orders-1");

        await stream.RequestStream.WriteAsync(CertificateRequest("orders"));
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal("the control plane issues no certificates; accepted: ControlPlane:Identity:Enabled=true on the control plane", stream.ResponseStream.Current.Certificate.Error);
    }
}
