using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.Sidecar.Tests.Integration;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

/// <summary>Issue 22: mutual TLS between sidecars with identities from the control plane's CA. A real control plane with
/// identity on, sidecar A (service <c>shop</c>) calling sidecar B (service <c>orders</c>) on B's https inbound listener, and
/// B's application (WireMock), all on loopback.</summary>
[Collection(nameof(IntegrationCollection))]
public class MtlsTests
{
    private const string Admin = "admin-token-0123456789";
    private const string OrdersToken = "orders-token-0123456789";
    private const string ShopToken = "shop-token-0123456789";
    private const string PeerHeader = "X-MeshHeal-Peer-Identity";

    [Fact]
    public async Task Flow_SidecarA_ReachesAppB_ThroughBsInbound_WithItsVerifiedIdentity_AndAForgedHeaderIsReplaced()
    {
        await using var mesh = await MtlsMesh.StartAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders/1");
        request.Headers.Add(PeerHeader, "spiffe://meshheal.local/service/admin");
        using var response = await mesh.A.Proxy.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("app b", await response.Content.ReadAsStringAsync());
        Assert.Equal(new List<string?> { "spiffe://meshheal.local/service/shop" }, mesh.PeerHeadersAtApp());
        Assert.Equal("https", mesh.B.Endpoints.InboundUri!.Scheme);
    }

    [Fact]
    public async Task Flow_PlainCaller_IsServedUnderPermissive_ThenRefusedAndCountedUnderRequired_WithoutARestart_WhileSidecarAIsStillServed()
    {
        await using var mesh = await MtlsMesh.StartAsync();
        using var plain = new HttpClient { BaseAddress = mesh.PlainInbound, Timeout = TimeSpan.FromSeconds(10) };

        using var forged = new HttpRequestMessage(HttpMethod.Get, "/orders/plain");
        forged.Headers.Add(PeerHeader, "spiffe://meshheal.local/service/shop");
        using var served = await plain.SendAsync(forged);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(new List<string?> { null }, mesh.PeerHeadersAtApp());

        await mesh.RequireMtlsAsync();
        var answer = await RawGetAsync(mesh.B.Endpoints.InboundUri!, tls: false);
        using var throughA = await mesh.A.Proxy.GetAsync("/orders/2");

        Assert.Equal("", answer);
        Assert.Equal(HttpStatusCode.OK, throughA.StatusCode);
        Assert.Equal(1, mesh.PeerHeadersAtApp().Count(h => h is null));
        await mesh.RefusedAsync("plaintext", 1);
    }

    [Fact]
    public async Task TlsCaller_WithoutAClientCertificate_IsServedUnderPermissive_AndRefusedUnderRequired()
    {
        await using var mesh = await MtlsMesh.StartAsync();

        using (var permissive = TlsClient(mesh.B.Endpoints.InboundUri!, clientCertificate: null))
        {
            using var served = await permissive.GetAsync("/orders/tls");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        await mesh.RequireMtlsAsync();
        var answer = await RawGetAsync(mesh.B.Endpoints.InboundUri!, tls: true);

        Assert.Equal("", answer);

        Assert.Equal(new List<string?> { null }, mesh.PeerHeadersAtApp());
        await mesh.RefusedAsync("no_client_certificate", 1);
    }

    [Fact]
    public async Task TlsCaller_WithACertificateFromOutsideTheMesh_IsRefusedEvenUnderPermissive_AndCounted()
    {
        await using var mesh = await MtlsMesh.StartAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=intruder", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri("spiffe://meshheal.local/service/shop"));
        request.CertificateExtensions.Add(san.Build(critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));

        var answer = await RawGetAsync(mesh.B.Endpoints.InboundUri!, tls: true, selfSigned);

        Assert.Equal("", answer);
        Assert.Empty(mesh.PeerHeadersAtApp());
        await mesh.RefusedAsync("untrusted_client_certificate", 1);
    }

    [Fact]
    public async Task Cluster_WhosePeerServiceNamesAnotherService_FailsOnThePeerIdentity_AndCountsAsAnUpstreamFailure()
    {
        await using var mesh = await MtlsMesh.StartAsync();

        using var response = await mesh.A.Proxy.GetAsync("/billing/1");

        Assert.True((int)response.StatusCode >= 500, $"status {(int)response.StatusCode}");
        Assert.Empty(mesh.PeerHeadersAtApp());
        Assert.True((await mesh.A.ClusterStateAsync("billing")).GetProperty("failures").GetInt64() >= 1);
        // The sidecar's output is read as it comes: the line may arrive just after the answer.
        await Wait.UntilAsync(
            () => mesh.A.LogLines.Any(l => l.Contains(
                "expected identity spiffe://meshheal.local/service/billing, presented spiffe://meshheal.local/service/orders", StringComparison.Ordinal)),
            "sidecar A logged the peer refusal with both identities");
    }

    [Fact]
    public async Task Renew_ThroughTheAdminApi_ChangesTheSerialSidecarBPresentsToANewHandshake()
    {
        await using var mesh = await MtlsMesh.StartAsync();
        var before = (await mesh.B.StateAsync()).GetProperty("identity");
        var firstSerial = before.GetProperty("serial").GetString()!;

        var presented = new List<string>();
        using (var client = TlsClient(mesh.B.Endpoints.InboundUri!, clientCertificate: null, server: c => presented.Add(c.SerialNumber)))
        {
            (await client.GetAsync("/orders/before")).Dispose();
        }

        using var renew = await mesh.B.Admin.PostAsync("/admin/identity/renew", content: null);
        var secondSerial = await Wait.UntilAsync(
            async () => (await mesh.B.StateAsync()).GetProperty("identity").GetProperty("serial").GetString(),
            s => s != firstSerial,
            "sidecar B holds a new certificate");
        using (var client = TlsClient(mesh.B.Endpoints.InboundUri!, clientCertificate: null, server: c => presented.Add(c.SerialNumber)))
        {
            (await client.GetAsync("/orders/after")).Dispose();
        }

        Assert.Equal(HttpStatusCode.Accepted, renew.StatusCode);
        Assert.Equal([firstSerial, secondSerial!], presented);
        Assert.True(before.GetProperty("notBefore").GetDateTimeOffset() < before.GetProperty("notAfter").GetDateTimeOffset());

        // A's pooled connection to B may still carry the old certificate; a new one gets the renewed certificate, and either is served.
        using var throughA = await mesh.A.Proxy.GetAsync("/orders/3");
        Assert.Equal(HttpStatusCode.OK, throughA.StatusCode);
    }

    [Fact]
    public async Task Flow_BothCertificatesRotatedUnderLoad_NoRequestFails()
    {
        await using var mesh = await MtlsMesh.StartAsync();
        var served = 0;
        var failed = new List<string>();
        using var stop = new CancellationTokenSource();
        var workers = new List<Task>();

        // Each round adds callers, so A opens new connections to B (new handshakes) after every rotation, beside the pooled ones.
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 4; i++)
            {
                workers.Add(Task.Run(() => LoadAsync(stop.Token)));
            }

            var servedBefore = Volatile.Read(ref served);
            foreach (var sidecar in new[] { mesh.B, mesh.A })
            {
                var serial = (await sidecar.StateAsync()).GetProperty("identity").GetProperty("serial").GetString();
                (await sidecar.Admin.PostAsync("/admin/identity/renew", content: null)).Dispose();
                await Wait.UntilAsync(
                    async () => (await sidecar.StateAsync()).GetProperty("identity").GetProperty("serial").GetString() != serial, "a sidecar's certificate was renewed");
            }

            await Wait.UntilAsync(() => Volatile.Read(ref served) > servedBefore + 20, "requests were served after the rotation");
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Empty(failed);
        Assert.Equal(6, (await mesh.A.StateAsync()).GetProperty("identity").GetProperty("issued").GetInt64() + (await mesh.B.StateAsync()).GetProperty("identity").GetProperty("issued").GetInt64() - 2);

        async Task LoadAsync(CancellationToken cancel)
        {
            while (!cancel.IsCancellationRequested)
            {
                try
                {
                    using var response = await mesh.A.Proxy.GetAsync("/orders/load", CancellationToken.None);
                    var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    if (response.StatusCode != HttpStatusCode.OK || body != "app b")
                    {
                        lock (failed)
                        {
                            failed.Add($"{(int)response.StatusCode} {body}");
                        }
                    }
                    else
                    {
                        Interlocked.Increment(ref served);
                    }
                }
                catch (HttpRequestException ex)
                {
                    lock (failed)
                    {
                        failed.Add(ex.Message);
                    }
                }
            }
        }
    }

    [Fact]
    public async Task Renew_WithIdentityOff_IsAConflict()
    {
        await using var sidecar = await TestSidecar.StartAsync(TestSidecar.Config(new { backend = TestSidecar.Cluster("http://127.0.0.1:9") }));

        using var renew = await sidecar.Admin.PostAsync("/admin/identity/renew", content: null);
        using var get = await sidecar.Admin.GetAsync("/admin/identity/renew");

        Assert.Equal(HttpStatusCode.Conflict, renew.StatusCode);
        Assert.Contains("Sidecar:Identity:Enabled is false", await renew.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.True((await sidecar.StateAsync()).GetProperty("identity").GetProperty("serial").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task Readiness_BeforeTheFirstCertificate_IsNotReady_AndTlsHandshakesFail()
    {
        // A control plane that issues no certificates: the sidecar never gets one.
        await using var controlPlane = await TestControlPlane.StartAsync("--ControlPlane:Auth:AdminTokens:0=" + Admin, "--ControlPlane:Auth:ServiceTokens:orders:0=" + OrdersToken);
        var app = AppB();
        try
        {
            await using var b = await StartB(controlPlane, app);
            await Wait.UntilAsync(
                async () => (await b.StateAsync()).GetProperty("identity").GetProperty("lastError").GetString() is { Length: > 0 },
                "the sidecar was told no certificate is issued");

            using var readiness = await b.Admin.GetAsync("/readyz");
            using var tls = TlsClient(b.Endpoints.InboundUri!, clientCertificate: null);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
            Assert.Equal("not ready: no identity certificate yet\n", await readiness.Content.ReadAsStringAsync());
            await Assert.ThrowsAsync<HttpRequestException>(() => tls.GetAsync("/orders/1"));
            Assert.Empty(app.LogEntries);
        }
        finally
        {
            app.Stop();
        }
    }

    /// <summary>One GET on a new connection, plain or TLS without a client certificate; what came back before the connection
    /// closed ("" for nothing), so a refusal is one connection, not the retries of an HTTP client.</summary>
    private static async Task<string> RawGetAsync(Uri inbound, bool tls, X509Certificate2? clientCertificate = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(inbound.Host, inbound.Port);
        Stream stream = client.GetStream();
        try
        {
            if (tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "orders", ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                });
            }

            await stream.WriteAsync("GET /orders/raw HTTP/1.1\r\nHost: orders\r\n\r\n"u8.ToArray());
            using var reader = new StreamReader(stream);
            using var timeout = new CancellationTokenSource(Wait.DefaultDeadline);
            return await reader.ReadToEndAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException)
        {
            // Reset or a failed handshake: closed without an answer all the same.
            return "";
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private static HttpClient TlsClient(Uri inbound, X509Certificate2? clientCertificate, Action<X509Certificate2>? server = null)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is not null)
            {
                server?.Invoke(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            }

            return true;
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        return new HttpClient(handler) { BaseAddress = inbound, Timeout = TimeSpan.FromSeconds(10) };
    }

    private static WireMockServer AppB()
    {
        var app = Upstreams.Start();
        app.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithStatusCode(200).WithBody("app b"));
        return app;
    }

    private static Task<TestSidecar> StartB(TestControlPlane controlPlane, WireMockServer app) => TestSidecar.StartAsync(
        TestSidecar.Config(new { backend = TestSidecar.Cluster("http://127.0.0.1:9") }),
        "--Sidecar:Service=orders", "--Sidecar:Instance=orders-1", "--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:ControlPlaneToken=" + OrdersToken,
        "--Sidecar:Identity:Enabled=true", "--Sidecar:InboundListenUrl=https://127.0.0.1:0", "--Sidecar:InboundTarget=" + app.Address().TrimEnd('/'));

    /// <summary>The control plane, app B behind sidecar B (service orders, https inbound), and sidecar A (service shop)
    /// whose cluster <c>orders</c> is B's inbound listener and whose cluster <c>billing</c> is the same listener expected to be billing.</summary>
    private sealed class MtlsMesh : IAsyncDisposable
    {
        private MtlsMesh(TestControlPlane controlPlane, WireMockServer app, TestSidecar b, TestSidecar a)
        {
            ControlPlane = controlPlane;
            App = app;
            B = b;
            A = a;
        }

        public TestControlPlane ControlPlane { get; }

        public WireMockServer App { get; }

        public TestSidecar A { get; }

        public TestSidecar B { get; }

        public Uri PlainInbound => new UriBuilder(B.Endpoints.InboundUri!) { Scheme = "http" }.Uri;

        public static async Task<MtlsMesh> StartAsync()
        {
            var controlPlane = await TestControlPlane.StartAsync(
                "--ControlPlane:Auth:AdminTokens:0=" + Admin, "--ControlPlane:Auth:ServiceTokens:orders:0=" + OrdersToken,
                "--ControlPlane:Auth:ServiceTokens:shop:0=" + ShopToken, "--ControlPlane:Identity:Enabled=true");
            var app = AppB();
            var b = await StartB(controlPlane, app);
            var inbound = b.Endpoints.InboundUri!.ToString();
            var config = JsonSerializer.Serialize(new
            {
                Sidecar = new { Service = "shop" },
                ReverseProxy = new
                {
                    Routes = new Dictionary<string, object>
                    {
                        ["orders"] = new { ClusterId = "orders", Match = new { Path = "/orders/{**rest}" } },
                        ["billing"] = new { ClusterId = "billing", Match = new { Path = "/billing/{**rest}" } },
                    },
                    Clusters = new Dictionary<string, object>
                    {
                        ["orders"] = new { Destinations = new { d1 = new { Address = inbound } } },
                        ["billing"] = new
                        {
                            Destinations = new { d1 = new { Address = inbound } },
                            Metadata = new Dictionary<string, string> { ["MeshHeal.PeerService"] = "billing" },
                        },
                    },
                },
                Resilience = new { },
            });
            var a = await TestSidecar.StartAsync(
                config, "--Sidecar:Instance=shop-1", "--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:ControlPlaneToken=" + ShopToken,
                "--Sidecar:Identity:Enabled=true");
            var mesh = new MtlsMesh(controlPlane, app, b, a);
            foreach (var sidecar in new[] { a, b })
            {
                await Wait.UntilAsync(
                    async () => (await sidecar.StateAsync()).GetProperty("identity").GetProperty("identity").GetString() is { Length: > 0 },
                    "the sidecar holds its identity certificate");
            }

            return mesh;
        }

        /// <summary>The peer identity header of each request app B received, in order (null: none).</summary>
        public List<string?> PeerHeadersAtApp() => App.LogEntries
            .OrderBy(e => e.RequestMessage!.DateTime)
            .Select(e => e.RequestMessage!.Headers is { } headers && headers.TryGetValue(PeerHeader, out var values) ? values.Single() : null)
            .ToList();

        /// <summary>Waits until sidecar B's metrics count <paramref name="count"/> refusals for <paramref name="reason"/> (the exporter caches a scrape briefly).</summary>
        public Task RefusedAsync(string reason, int count) => Wait.UntilAsync(
            async () => string.Join('\n', (await B.Admin.GetStringAsync("/metrics")).Split('\n').Where(l => l.StartsWith("meshheal_inbound_refused", StringComparison.Ordinal))),
            lines => lines.Contains($"meshheal_inbound_refused_total{{otel_scope_name=\"Mesh.Heal.Sidecar\",reason=\"{reason}\"}} {count}", StringComparison.Ordinal),
            $"sidecar B counted {count} {reason} refusal(s)");

        /// <summary>Pushes <c>mtls: required</c> for orders and waits until sidecar B has it.</summary>
        public async Task RequireMtlsAsync()
        {
            var version = await ControlPlane.PutPolicyAsync("orders", "service: orders\nmtls: required\n", Admin);
            await Wait.UntilAsync(
                async () => (await B.StateAsync()) is var state && state.GetProperty("policySource").GetString() == "ControlPlane"
                    && state.GetProperty("policyVersion").GetInt64() == version,
                "sidecar B applied mtls: required");
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            App.Stop();
            await ControlPlane.DisposeAsync();
        }
    }
}
