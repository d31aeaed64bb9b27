using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Mesh.Heal.ControlPlane.Identity;
using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.Sidecar.Identity;
using Mesh.Heal.Sidecar.PolicySync;
using Mesh.Heal.Sidecar.Tests.Integration;
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

    [InProcessFact("reads the sidecar's identity service and drives its clock")]
    public async Task Flow_SidecarWithIdentity_GetsACertificateForItsService_ThenANewOnePastTwoThirdsOfItsLifetime()
    {
        // One fake clock for both, started now: certificates are checked against real validity periods.
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var controlPlane = await StartAsync(time, "--ControlPlane:Identity:Enabled=true", "--ControlPlane:Identity:CertificateLifetime=00:05:00");
        await using var sidecar = await TestSidecar.StartInProcessAsync(
            TestSidecar.Config(new { backend = TestSidecar.Cluster("http://127.0.0.1:9") }),
            builder => builder.Services.AddSingleton<TimeProvider>(time),
            "--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:Instance=orders-1", "--Sidecar:ControlPlaneToken=" + Orders,
            "--Sidecar:Identity:Enabled=true");
        var identity = sidecar.Services.GetRequiredService<SidecarIdentity>();
        using var root = X509Certificate2.CreateFromPem(controlPlane.Services.GetRequiredService<CertificateAuthority>().RootCertificate.ExportCertificatePem());

        var first = await Wait.UntilAsync(() => Task.FromResult(identity.Current), c => c is not null, "the sidecar holds a certificate");

        Assert.Equal("spiffe://meshheal.local/service/orders", first!.Identity);
        Assert.Equal(first.Identity, SidecarIdentity.UriName(first.Certificate));
        Assert.True(first.Certificate.HasPrivateKey);
        Assert.Null(SidecarIdentity.ChainError(first.Certificate, [root], time.GetUtcNow()));
        var state = (await sidecar.StateAsync()).GetProperty("identity");
        Assert.Equal(first.Identity, state.GetProperty("identity").GetString());
        Assert.Equal(first.NotAfter, state.GetProperty("notAfter").GetDateTimeOffset());

        time.Advance(TimeSpan.FromMinutes(4));
        var second = await Wait.UntilAsync(() => Task.FromResult(identity.Current), c => c!.NotAfter > first.NotAfter, "a renewed certificate arrived");

        Assert.Equal(first.NotAfter + TimeSpan.FromMinutes(4), second!.NotAfter);
        Assert.Null(SidecarIdentity.ChainError(second.Certificate, [root], time.GetUtcNow()));
        Assert.NotEqual(first.Certificate.SerialNumber, second.Certificate.SerialNumber);
        Assert.Equal(2, identity.Issued);
        Assert.Null(identity.LastError);

        // Certificate snapshots are not policies: the sidecar answered none of them.
        Assert.Equal(0, sidecar.Services.GetRequiredService<ControlPlaneStatus>().LastNackVersion);
        Assert.Equal(2, controlPlane.Store.AuditLog("orders", 10).Count(a => a.Kind == "identity.issued"));
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
        Assert.Equal("spiffe://meshheal.local/service/orders", SidecarIdentity.UriName(leaf));
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
