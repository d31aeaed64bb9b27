using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.Sidecar.Configuration;
using Mesh.Heal.Sidecar.Tests.Integration;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

/// <summary>The control plane's gRPC listener over TLS, with a certificate from a private CA that the sidecar is told to trust.</summary>
[Collection(nameof(IntegrationCollection))]
public class TlsTests
{
    [Fact]
    public async Task SidecarTrustingThePrivateCa_ConnectsOverTls_AndAcksPolicies()
    {
        var pki = TestPki.Create();
        await using var controlPlane = await StartAsync(pki);
        await using var mesh = Support.Mesh.Start();
        await using var sidecar = await StartSidecarAsync(mesh, controlPlane, "--Sidecar:ControlPlaneCertificateAuthority=" + pki.CaPath);

        var version = await controlPlane.PutPolicyAsync("orders", "service: orders\nclusters:\n  backend:\n    timeout: 3s\n");

        Assert.Equal("https", controlPlane.GrpcUri.Scheme);
        await Wait.UntilAsync(
            async () => (await Support.Mesh.ControlPlaneStateAsync(sidecar)).GetProperty("lastAckVersion").GetInt64() == version, "the sidecar ACKed over TLS");
    }

    [Fact]
    public async Task SidecarNotTrustingTheCa_StaysDisconnected_AndSaysWhy()
    {
        var pki = TestPki.Create();
        await using var controlPlane = await StartAsync(pki);
        await using var mesh = Support.Mesh.Start();
        await using var sidecar = await StartSidecarAsync(mesh, controlPlane);

        await Wait.UntilAsync(
            async () => (await Support.Mesh.ControlPlaneStateAsync(sidecar)).GetProperty("lastError").GetString() is { Length: > 0 }, "the sidecar reported its failed connection");

        var state = await Support.Mesh.ControlPlaneStateAsync(sidecar);
        Assert.False(state.GetProperty("connected").GetBoolean());
        Assert.Contains("SSL", state.GetProperty("lastError").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(controlPlane.Store.Sidecars("orders"));
    }

    [Fact]
    public async Task CertificateAuthority_WithAPlainHttpControlPlane_OrAMissingFile_StopsStartupNamingTheSetting()
    {
        var pki = TestPki.Create();
        await using var mesh = Support.Mesh.Start();

        var plain = await Assert.ThrowsAsync<SidecarConfigurationException>(() => TestSidecar.StartAsync(
            mesh.Config(), "--Sidecar:ControlPlaneUrl=http://127.0.0.1:15010", "--Sidecar:ControlPlaneCertificateAuthority=" + pki.CaPath));
        var missing = await Assert.ThrowsAsync<SidecarConfigurationException>(() => TestSidecar.StartAsync(
            mesh.Config(), "--Sidecar:ControlPlaneUrl=https://127.0.0.1:15010", "--Sidecar:ControlPlaneCertificateAuthority=/nonexistent/ca.pem"));

        Assert.Contains("Sidecar:ControlPlaneCertificateAuthority: is set but Sidecar:ControlPlaneUrl is not https://", plain.Message, StringComparison.Ordinal);
        Assert.Contains("Sidecar:ControlPlaneCertificateAuthority: '/nonexistent/ca.pem'", missing.Message, StringComparison.Ordinal);
    }

    private static Task<TestControlPlane> StartAsync(TestPki pki) => TestControlPlane.StartAsync(
        "--ControlPlane:GrpcUrl=https://127.0.0.1:0", "--ControlPlane:Tls:CertificatePath=" + pki.CertificatePath, "--ControlPlane:Tls:KeyPath=" + pki.KeyPath);

    private static Task<TestSidecar> StartSidecarAsync(Support.Mesh mesh, TestControlPlane controlPlane, params string[] args) => TestSidecar.StartAsync(
        mesh.Config(), ["--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:Instance=orders-tls", .. args]);

    /// <summary>A private CA and a server certificate it signed for 127.0.0.1 and localhost, as PEM files.</summary>
    private sealed record TestPki(string CaPath, string CertificatePath, string KeyPath)
    {
        public static TestPki Create()
        {
            var directory = Directory.CreateTempSubdirectory("meshheal-pki-").FullName;
            var now = DateTimeOffset.UtcNow;
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=Mesh.Heal test CA", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=meshheal-control-plane", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            using var certificate = request.Create(ca, now.AddHours(-1), now.AddHours(12), RandomNumberGenerator.GetBytes(8));

            var pki = new TestPki(Path.Combine(directory, "ca.pem"), Path.Combine(directory, "server.pem"), Path.Combine(directory, "server.key"));
            File.WriteAllText(pki.CaPath, ca.ExportCertificatePem());
            File.WriteAllText(pki.CertificatePath, certificate.ExportCertificatePem());
            File.WriteAllText(pki.KeyPath, key.ExportPkcs8PrivateKeyPem());
            return pki;
        }
    }
}
