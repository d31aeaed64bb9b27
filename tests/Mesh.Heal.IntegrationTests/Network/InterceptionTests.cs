using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Heal.Chaos;
using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Testing.Network;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesh.Heal.IntegrationTests.Network;

/// <summary>The sidecar serving intercepted traffic for real: in the application's network namespace an iptables
/// REDIRECT sends its outbound TCP to port 8080 to the sidecar (which runs there as uid 1337, excluded from the rule),
/// and a peer namespace holds the service the application calls (port 8080) and the <c>orders</c> cluster (port 9090);
/// inbound, PREROUTING sends the peer's calls to the application's ports 8080, 9090 and 7000 to the sidecar's inbound
/// listener (15006). Outbound 7000, 7001, 7002 and 7443 are redirected too, for the raw TCP tests' servers in the peer.</summary>
[Collection(nameof(IntegrationCollection))]
public class InterceptionTests
{
    private const int ProxyUid = 1337;
    private const int ProxyPort = 15001;
    private const int AdminPort = 15000;
    private const int ServicePort = 8080;
    private const int OrdersPort = 9090;

    // Raw TCP in the peer (the application's outbound, redirected): an echo, a server that greets first, a TLS echo.
    private const int EchoPort = 7000;
    private const int GreetingPort = 7001;
    private const int TlsPort = 7443;
    private const int ResetPort = 7002;

    // The application's second service port (its first is ServicePort), which PREROUTING sends to the inbound listener too.
    private const int SecondServicePort = 9090;

    [NetworkFact]
    public async Task Redirected_HostNamingACluster_GoesThroughIt_AnyOtherReachesTheOriginalDestination()
    {
        await using var mesh = await InterceptedMesh.StartAsync();
        using var app = mesh.AppClient();
        var service = $"http://{mesh.Peer.Address}:{ServicePort}";

        var routed = await GetAsync(app, service + "/orders/7", host: "orders:8080");
        var passed = await GetAsync(app, service + "/anything?x=1");
        var explicitCall = await GetAsync(app, $"http://127.0.0.1:{ProxyPort}/explicit");

        Assert.Equal($"{OrdersPort} /orders/7", routed);
        Assert.Equal($"{ServicePort} /anything?x=1 host={mesh.Peer.Address}:{ServicePort}", passed);
        Assert.Equal($"{OrdersPort} /explicit", explicitCall);
        var metrics = await app.GetStringAsync($"http://127.0.0.1:{AdminPort}/metrics");
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"orders\",outcome=\"success\"} 2", metrics);
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"passthrough\",outcome=\"success\"} 1", metrics);
    }

    [NetworkFact]
    public async Task Redirected_Ipv6_HostNamingACluster_GoesThroughIt_AnyOtherReachesTheIpv6OriginalDestination()
    {
        await using var mesh = await InterceptedMesh.StartAsync(ipv6: true);
        using var app = mesh.AppClient();
        var peer = $"[{mesh.Peer.Address6}]:{ServicePort}";

        var routed = await GetAsync(app, $"http://{peer}/orders/7", host: "orders:8080");
        // Passed through only if the sidecar read the IPv6 original destination (IP6T_SO_ORIGINAL_DST) of the connection.
        var passed = await GetAsync(app, $"http://{peer}/anything?x=1");

        Assert.Equal($"{OrdersPort} /orders/7", routed);
        Assert.Equal($"{ServicePort} /anything?x=1 host={peer}", passed);
        var metrics = await app.GetStringAsync($"http://127.0.0.1:{AdminPort}/metrics");
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"orders\",outcome=\"success\"} 1", metrics);
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"passthrough\",outcome=\"success\"} 1", metrics);
    }

    [NetworkFact]
    public async Task Redirected_UnknownHost_DestinationDown_Is502_CountedAsPassThroughFailure()
    {
        await using var mesh = await InterceptedMesh.StartAsync();
        using var app = mesh.AppClient();

        // Nothing listens on 8081 in the peer; the rule redirects it too.
        using var response = await app.GetAsync($"http://{mesh.Peer.Address}:8081/");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var metrics = await app.GetStringAsync($"http://127.0.0.1:{AdminPort}/metrics");
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"passthrough\",outcome=\"failure\"} 1", metrics);
    }

    [NetworkFact]
    public async Task Inbound_RedirectedToTheInboundListener_IsForwardedToTheApplication()
    {
        await using var mesh = await InterceptedMesh.StartAsync();
        using var peer = mesh.PeerClient();
        using var app = mesh.AppClient();

        // The peer calls the application's service port; PREROUTING in the application's namespace sends it to 15006.
        var answer = await GetAsync(peer, $"http://{mesh.App.Address}:{ServicePort}/hello?x=2");

        Assert.Equal($"{ServicePort} /hello?x=2 host={mesh.App.Address}:{ServicePort}", answer);
        var metrics = await app.GetStringAsync($"http://127.0.0.1:{AdminPort}/metrics");
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"inbound\",outcome=\"success\"} 1", metrics);
    }

    [NetworkFact]
    public async Task Redirected_NotHttp_IsOpaqueTcpToTheOriginalDestination_ClientFirst_ServerFirst_Tls_ConnectFailed()
    {
        await using var mesh = await InterceptedMesh.StartAsync();
        var any = IPAddress.Any;
        var greeting = "220 orders ready\r\n"u8.ToArray();
        using var certificate = SelfSigned("tls.orders.test");
        await using var echo = NamespaceTcpServer.Start(mesh.Peer, any, EchoPort);
        await using var greeter = NamespaceTcpServer.Start(mesh.Peer, any, GreetingPort, greeting);
        await using var tlsServer = NamespaceTcpServer.Start(mesh.Peer, any, TlsPort, certificate: certificate);
        await using var resetter = NamespaceTcpServer.Start(mesh.Peer, any, ResetPort, reset: true);
        var peer = mesh.Peer.Address!;

        // Client first, binary, then a half-close: the client is done sending and still receives the whole echo.
        byte[] binary = [0x00, 0x01, 0xff, .. "opaque bytes"u8];
        var echoed = await ExchangeAsync(mesh.App, peer, EchoPort, binary);

        // Server first: the client sends nothing until it has the greeting (it comes after the detection timeout).
        using (var client = await ConnectAsync(mesh.App, peer, GreetingPort))
        {
            Assert.Equal(greeting, await ReceiveExactlyAsync(client, greeting.Length));
            var quit = "QUIT\r\n"u8.ToArray();
            await client.SendAsync(quit);
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(quit, await ReceiveToEndAsync(client));
        }

        // TLS end to end: the client checks it is the peer's own certificate, so the sidecar only carried the bytes.
        using (var client = await ConnectAsync(mesh.App, peer, TlsPort))
        await using (var tls = new SslStream(new NetworkStream(client, ownsSocket: false)))
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "tls.orders.test",
                RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString(),
            });
            await tls.WriteAsync("ping"u8.ToArray());
            var pong = new byte[4];
            await tls.ReadExactlyAsync(pong);
            Assert.Equal("ping"u8.ToArray(), pong);
        }

        // Nothing listens on 8081 in the peer: the client's connection is closed without a byte.
        var refused = await ExchangeAsync(mesh.App, peer, 8081, [0x00, 0x02]);

        // The destination resets the connection: the sidecar resets the client's too.
        using (var client = await ConnectAsync(mesh.App, peer, ResetPort))
        {
            await client.SendAsync(binary);
            await Assert.ThrowsAsync<SocketException>(async () => await ReceiveToEndAsync(client));
        }

        Assert.Equal(binary, echoed);
        Assert.Empty(refused);
        using var app = mesh.AppClient();
        var metrics = await Wait.UntilAsync(
            () => app.GetStringAsync($"http://127.0.0.1:{AdminPort}/metrics"),
            text => Counter(text, "meshheal_tcp_connections_total", "direction=\"outbound\",result=\"ok\"") == 3,
            "the three opaque connections counted ok");
        Assert.Equal(1, Counter(metrics, "meshheal_tcp_connections_total", "direction=\"outbound\",result=\"connect_failed\""));
        await Wait.UntilAsync(
            async () => Counter(await app.GetStringAsync($"http://127.0.0.1:{AdminPort}/metrics"), "meshheal_tcp_connections_total", "direction=\"outbound\",result=\"reset\"") == 1,
            "the reset connection counted");
        Assert.Equal(4, tlsServer.Received);
        // Sent: the echo's and the greeter's plain bytes, and the TLS records (more than the 4 bytes they carried).
        Assert.True(Counter(metrics, "meshheal_tcp_bytes_total", "direction=\"outbound\",way=\"sent\"") > binary.Length + 6 + 4, metrics);
        Assert.True(Counter(metrics, "meshheal_tcp_bytes_total", "direction=\"outbound\",way=\"received\"") > binary.Length + greeting.Length + 6 + 4, metrics);
        Assert.Equal(binary.Length, echo.Received);
        Assert.DoesNotContain("cluster=\"passthrough\"", metrics, StringComparison.Ordinal);
    }

    [NetworkFact]
    public async Task Inbound_RedirectedForASecondServicePort_ReachesThatPort_RawTcpReachesTheApplicationsPort()
    {
        await using var mesh = await InterceptedMesh.StartAsync();
        await using var appEcho = NamespaceTcpServer.Start(mesh.App, IPAddress.Any, EchoPort);
        using var peer = mesh.PeerClient();

        var second = await GetAsync(peer, $"http://{mesh.App.Address}:{SecondServicePort}/second");
        byte[] binary = [0x00, 0x03, .. "to the application"u8];
        var echoed = await ExchangeAsync(mesh.Peer, mesh.App.Address!, EchoPort, binary);

        Assert.Equal($"{SecondServicePort} /second", second);
        Assert.Equal(binary, echoed);
        using var app = mesh.AppClient();
        var metrics = await Wait.UntilAsync(
            () => app.GetStringAsync($"http://127.0.0.1:{AdminPort}/metrics"),
            text => Counter(text, "meshheal_tcp_connections_total", "direction=\"inbound\",result=\"ok\"") == 1,
            "the inbound opaque connection counted ok");
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"inbound\",outcome=\"success\"} 1", metrics);
        Assert.Equal(binary.Length, Counter(metrics, "meshheal_tcp_bytes_total", "direction=\"inbound\",way=\"sent\""));
        Assert.Equal(binary.Length, Counter(metrics, "meshheal_tcp_bytes_total", "direction=\"inbound\",way=\"received\""));
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>A socket made in <paramref name="network"/> by the test process (root, so redirected), connected.</summary>
    private static async Task<Socket> ConnectAsync(NetworkNamespace network, IPAddress address, int port)
    {
        var socket = network.CreateSocket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="bytes"/>, shuts down sending and returns all the other end sent until it closed.</summary>
    private static async Task<byte[]> ExchangeAsync(NetworkNamespace network, IPAddress address, int port, byte[] bytes)
    {
        using var socket = await ConnectAsync(network, address, port);
        await socket.SendAsync(bytes);
        socket.Shutdown(SocketShutdown.Send);
        return await ReceiveToEndAsync(socket);
    }

    private static async Task<byte[]> ReceiveToEndAsync(Socket socket)
    {
        using var all = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
        {
            all.Write(buffer, 0, read);
        }

        return all.ToArray();
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int length)
    {
        var buffer = new byte[length];
        var at = 0;
        while (at < length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(at));
            Assert.True(read > 0, $"closed after {at} of {length} bytes");
            at += read;
        }

        return buffer;
    }

    /// <summary>The value of one series of a counter in a Prometheus scrape (labels after the scope), 0 when absent.</summary>
    private static double Counter(string metrics, string name, string labels)
    {
        var prefix = $"{name}{{otel_scope_name=\"Mesh.Heal.Sidecar\",{labels}}} ";
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return double.Parse(line.AsSpan(prefix.Length).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static async Task<string> GetAsync(HttpClient client, string url, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url} (Host {host ?? "as in the URL"}): {(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>The two namespaces, the sidecar process in the application's, the rule, and the peer's HTTP listeners.</summary>
    private sealed class InterceptedMesh : IAsyncDisposable
    {
        private readonly WebApplication _peerServer;
        private readonly WebApplication _appServer;
        private readonly string _directory;

        private InterceptedMesh(NetworkNamespace app, NetworkNamespace peer, WebApplication peerServer, WebApplication appServer, string directory)
        {
            App = app;
            Peer = peer;
            _peerServer = peerServer;
            _appServer = appServer;
            _directory = directory;
        }

        public NetworkNamespace App { get; }

        public NetworkNamespace Peer { get; }

        /// <summary>Starts it; with <paramref name="ipv6"/> the peer is called on its IPv6 address, the rules are
        /// ip6tables' and the sidecar listens on the IPv6 loopback, where ip6tables' REDIRECT lands.</summary>
        public static async Task<InterceptedMesh> StartAsync(bool ipv6 = false)
        {
            var (app, peer) = await NetworkNamespace.CreatePairAsync(ipv6);
            var any = ipv6 ? IPAddress.IPv6Any : IPAddress.Any;
            var (iptables, peerAddress, loopback) = ipv6 ? ("ip6tables", $"[{peer.Address6}]", "[::1]") : ("iptables", peer.Address!.ToString(), "127.0.0.1");
            WebApplication? server = null;
            WebApplication? appServer = null;
            var directory = Directory.CreateTempSubdirectory("meshheal-netns-").FullName;
            try
            {
                server = await StartServerAsync(peer, any, ServicePort, OrdersPort);
                // The application itself, on its service port, which inbound traffic reaches through the sidecar.
                appServer = await StartServerAsync(app, any, ServicePort, SecondServicePort);
                // The sidecar runs as its own uid, which must read its config (network namespaces are Linux only).
                if (OperatingSystem.IsLinux())
                {
                    File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                }

                var config = Path.Combine(directory, "sidecar.json");
                await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
                {
                    Sidecar = new { Service = "web" },
                    ReverseProxy = new
                    {
                        Routes = new Dictionary<string, object> { ["explicit"] = new { ClusterId = "orders", Match = new { Path = "/{**catch-all}" } } },
                        Clusters = new { orders = new { Destinations = new { d1 = new { Address = $"http://{peerAddress}:{OrdersPort}/" } } } },
                    },
                }));
                var (program, leading) = NetworkNamespace.SidecarProgram(() => typeof(SidecarHost).Assembly.Location);
                string[] args =
                [
                    "HOME=" + directory, program, .. leading,
                    .. SidecarCommand.Arguments(config, [
                        $"--Sidecar:ListenUrl=http://{loopback}:{ProxyPort}", $"--Sidecar:AdminUrl=http://127.0.0.1:{AdminPort}", "--Sidecar:Interception:Enabled=true",
                        "--Sidecar:InboundListenUrl=http://0.0.0.0:15006", $"--Sidecar:InboundTarget=http://127.0.0.1:{ServicePort}"]),
                ];
                await app.StartAsync("sidecar", "env", args, SidecarCommand.Listening(), uid: ProxyUid);
                // The one rule an init container would write (meshctl init-network): the application's TCP to the
                // service ports goes to the sidecar, the sidecar's own does not.
                await app.RunCheckedAsync(
                    iptables, "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-m", "multiport", "--dports", $"8080,8081,{EchoPort},{GreetingPort},{TlsPort},{ResetPort}",
                    "-m", "owner", "!", "--uid-owner", ProxyUid.ToString(CultureInfo.InvariantCulture), "-j", "REDIRECT", "--to-ports", ProxyPort.ToString(CultureInfo.InvariantCulture));
                await app.RunCheckedAsync(
                    iptables, "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "-m", "multiport", "--dports", $"{ServicePort},{SecondServicePort},{EchoPort}", "-j", "REDIRECT", "--to-ports", "15006");
                return new InterceptedMesh(app, peer, server, appServer, directory);
            }
            catch
            {
                if (server is not null)
                {
                    await server.DisposeAsync();
                }

                if (appServer is not null)
                {
                    await appServer.DisposeAsync();
                }

                await app.DisposeAsync();
                await peer.DisposeAsync();
                Directory.Delete(directory, recursive: true);
                throw;
            }
        }

        /// <summary>An HttpClient whose connections are made inside the application's namespace, by root (so redirected).</summary>
        public HttpClient AppClient() => App.CreateHttpClient();

        /// <summary>An HttpClient whose connections are made inside the peer's namespace.</summary>
        public HttpClient PeerClient() => Peer.CreateHttpClient();

        public async ValueTask DisposeAsync()
        {
            await _peerServer.DisposeAsync();
            await _appServer.DisposeAsync();
            await App.DisposeAsync();
            await Peer.DisposeAsync();
            Directory.Delete(_directory, recursive: true);
        }

        /// <summary>HTTP listeners inside <paramref name="network"/> on <paramref name="address"/> (the peer's service on 8080
        /// and orders on 9090, or the application on 8080): each answers with its port, the path and, on 8080, the Host.</summary>
        private static Task<WebApplication> StartServerAsync(NetworkNamespace network, IPAddress address, params int[] ports) => NamespaceWebServer.StartAsync(
            network,
            address,
            context =>
            {
                var port = context.Connection.LocalPort;
                var what = port == ServicePort ? $" host={context.Request.Host}" : string.Empty;
                return context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"{port} {context.Request.Path}{context.Request.QueryString}{what}"));
            },
            ports);
    }
}
