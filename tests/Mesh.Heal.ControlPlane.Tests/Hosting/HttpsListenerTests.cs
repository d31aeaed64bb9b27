using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Injection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Heal.ControlPlane.Tests.Hosting;

/// <summary><c>ControlPlane:HttpUrl</c> as <c>https://</c>: the admission webhook served over TLS with the <c>ControlPlane:Tls</c>
/// certificate, as the Kubernetes API server calls it (it trusts the webhook's <c>caBundle</c>, sends no token).</summary>
public sealed class HttpsListenerTests : IDisposable
{
    private const string Review = """
        {
          "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
          "request": {
            "uid": "0c9f3d1e-1b4a-4c8e-9f61-2f3a5b7c9d10", "kind": { "group": "", "version": "v1", "kind": "Pod" },
            "resource": { "group": "", "version": "v1", "resource": "pods" }, "namespace": "shop", "operation": "CREATE",
            "object": {
              "apiVersion": "v1", "kind": "Pod",
              "metadata": { "generateName": "orders-5d8f9-", "labels": { "app.kubernetes.io/name": "orders" } },
              "spec": { "containers": [ { "name": "app", "image": "orders:1", "ports": [ { "containerPort": 8080 } ] } ] }
            }
          }
        }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("meshheal-https-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task HttpsHttpUrl_ServesTheWebhookOverTls_WithTheTlsCertificate_ToAClientTrustingItsCa()
    {
        var pki = TestPki.Create(_directory);
        await using var app = Build(
            "--ControlPlane:HttpUrl=https://127.0.0.1:0",
            "--ControlPlane:Tls:CertificatePath=" + pki.CertificatePath, "--ControlPlane:Tls:KeyPath=" + pki.KeyPath);
        await app.StartAsync();
        var endpoints = app.Services.GetRequiredService<ControlPlaneEndpoints>();
        X509Certificate2? presented = null;
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // Trusts the test CA only, the way the API server trusts the webhook configuration's caBundle.
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { pki.Ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    presented = certificate is null ? null : new X509Certificate2(certificate);
                    return errors == SslPolicyErrors.None;
                },
            },
        });

        using var response = await http.PostAsync(new Uri(endpoints.HttpUri, InjectionEndpoints.Path), new StringContent(Review, Encoding.UTF8, "application/json"));

        Assert.Equal("https", endpoints.HttpUri.Scheme);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(pki.Server.Thumbprint, presented?.Thumbprint);
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!["response"]!;
        Assert.Equal("0c9f3d1e-1b4a-4c8e-9f61-2f3a5b7c9d10", (string?)answer["uid"]);
        Assert.Equal("JSONPatch", (string?)answer["patchType"]);
        Assert.Contains("meshheal-sidecar", Encoding.UTF8.GetString(Convert.FromBase64String((string)answer["patch"]!)), StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task HttpsHttpUrl_RefusesPlainHttp_AndTheGrpcListenerStaysH2c()
    {
        var pki = TestPki.Create(_directory);
        await using var app = Build(
            "--ControlPlane:HttpUrl=https://127.0.0.1:0",
            "--ControlPlane:Tls:CertificatePath=" + pki.CertificatePath, "--ControlPlane:Tls:KeyPath=" + pki.KeyPath);
        await app.StartAsync();
        var endpoints = app.Services.GetRequiredService<ControlPlaneEndpoints>();
        using var http = new HttpClient();

        var plain = new UriBuilder(endpoints.HttpUri) { Scheme = "http", Path = "/healthz" }.Uri;

        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(plain));
        Assert.Equal("http", endpoints.GrpcUri.Scheme);
        await app.StopAsync();
    }

    [Theory]
    [InlineData("https://127.0.0.1:0", "http://127.0.0.1:0", "ControlPlane:Tls:CertificatePath: is empty but ControlPlane:HttpUrl is https://; accepted: a PEM certificate file (with ControlPlane:Tls:KeyPath), or http:// listeners")]
    [InlineData("http://127.0.0.1:0", "https://127.0.0.1:0", "ControlPlane:Tls:CertificatePath: is empty but ControlPlane:GrpcUrl is https://; accepted: a PEM certificate file (with ControlPlane:Tls:KeyPath), or http:// listeners")]
    [InlineData("https://127.0.0.1:0", "https://127.0.0.1:0", "ControlPlane:Tls:CertificatePath: is empty but ControlPlane:GrpcUrl and ControlPlane:HttpUrl are https://; accepted: a PEM certificate file (with ControlPlane:Tls:KeyPath), or http:// listeners")]
    public void Build_HttpsWithoutTls_IsRefusedNamingBothSettings(string httpUrl, string grpcUrl, string message)
    {
        var ex = Assert.Throws<ControlPlaneConfigurationException>(() => Build("--ControlPlane:HttpUrl=" + httpUrl, "--ControlPlane:GrpcUrl=" + grpcUrl));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    private WebApplication Build(params string[] args) => ControlPlaneHost.Build(
        [
            "--ControlPlane:GrpcUrl=http://127.0.0.1:0", "--ControlPlane:HttpUrl=http://127.0.0.1:0",
            "--ControlPlane:StorePath=" + Path.Combine(_directory, "cp.db"),
            "--ControlPlane:Healing:Enabled=false",
            .. args,
        ],
        builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));

    /// <summary>A private CA and a server certificate it signed for 127.0.0.1, the certificate and key written as PEM files.</summary>
    private sealed record TestPki(X509Certificate2 Ca, X509Certificate2 Server, string CertificatePath, string KeyPath)
    {
        public static TestPki Create(string directory)
        {
            var now = DateTimeOffset.UtcNow;
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=Mesh.Heal webhook test CA", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=meshheal-injector.meshheal-system.svc", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("meshheal-injector.meshheal-system.svc");
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            var server = request.Create(ca, now.AddHours(-1), now.AddHours(12), RandomNumberGenerator.GetBytes(8));

            var pki = new TestPki(ca, server, Path.Combine(directory, "server.pem"), Path.Combine(directory, "server.key"));
            File.WriteAllText(pki.CertificatePath, server.ExportCertificatePem());
            File.WriteAllText(pki.KeyPath, key.ExportPkcs8PrivateKeyPem());
            return pki;
        }
    }
}
