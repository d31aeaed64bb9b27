using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mesh.Heal.Benchmarks.Load;
using Mesh.Heal.Chaos;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Testing.Network;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesh.Heal.IntegrationTests.Network;

/// <summary>Two pods as network namespaces joined by a veth pair, each set up the way <c>meshctl inject</c> sets one up:
/// <c>client</c> holds app A (the test's programs, run as root) and sidecar A (uid 1337, interception on), <c>server</c>
/// holds app B (a Kestrel server on 8080, and on 9090 for the unprotected measurements), sidecar B (uid 1337, https
/// inbound listener on 15006 in front of 127.0.0.1:8080) and the control plane (identity on, 0.0.0.0:15010 and :15080).</summary>
/// <remarks>
/// Each namespace's iptables rules are written by <c>meshctl init-network</c> itself (<c>--service-ports 8080</c> in
/// <c>server</c>), and <c>client</c> resolves <c>orders</c> to the server through its own hosts file, so app A's
/// <c>http://orders:8080/</c> is an ordinary URL that interception protects. Sidecar A's cluster <c>orders</c> goes to
/// <c>https://orders:8080</c> (so over mTLS through sidecar B's inbound listener), and <c>orders-plain</c>, the explicit route's target,
/// to app B's 9090 without sidecar B. Everything, including the hosts file, is removed on dispose.
/// </remarks>
internal sealed class TransparentMesh : IAsyncDisposable
{
    public const int ProxyUid = 1337;
    public const int OutboundPort = 15001;
    public const int InboundPort = 15006;
    public const int AdminPort = 15000;
    public const int ServicePort = 8080;
    public const int DirectPort = 9090;
    public const int GrpcPort = 15010;
    public const int HttpPort = 15080;
    public const string AdminToken = "e2e-admin-token-0123456789";
    public const string WebToken = "e2e-web-token-0123456789";
    public const string OrdersToken = "e2e-orders-token-0123456789";

    /// <summary>What sidecar A's policy says when the test gives none: <c>orders</c> falls back to a static answer.</summary>
    public const string WebPolicy = """
        service: web
        clusters:
          orders:
            timeout: 5s
            circuitBreaker: { consecutiveFailures: 5, breakDuration: 30s }
            fallback: { response: { statusCode: 200, body: orders-fallback } }
        """;

    private readonly string _directory;
    private readonly ConcurrentQueue<string> _appBPaths = new();
    private WebApplication? _appB;

    private TransparentMesh(NetworkNamespace client, NetworkNamespace server, string directory)
    {
        Client = client;
        Server = server;
        _directory = directory;
        ClientHttp = client.CreateHttpClient();
        ServerHttp = server.CreateHttpClient();
    }

    /// <summary>The namespace of app A and sidecar A.</summary>
    public NetworkNamespace Client { get; }

    /// <summary>The namespace of app B, sidecar B and the control plane.</summary>
    public NetworkNamespace Server { get; }

    /// <summary>HTTP from inside <see cref="Client"/> (the admin port of sidecar A at 127.0.0.1).</summary>
    public HttpClient ClientHttp { get; }

    /// <summary>HTTP from inside <see cref="Server"/> (sidecar B's admin port, the control plane's HTTP API at 127.0.0.1).</summary>
    public HttpClient ServerHttp { get; }

    /// <summary>The open-loop generator (tests/bench/openloop.c), app A's load.</summary>
    public OpenLoop? Load { get; private set; }

    /// <summary>A folder uid 1337 can write to as well, for a run's samples.</summary>
    public string Scratch => Path.Combine(_directory, "scratch");

    /// <summary>The scheme of sidecar B's inbound listener and of sidecar A's <c>orders</c> destination: the hop between
    /// the sidecars is mutual TLS with the identities the control plane issued.</summary>
    public const string MeshScheme = "https";

    /// <summary>Requests app B answered.</summary>
    public int AppBRequests => _appBPaths.Count;

    /// <summary>The paths of the requests app B answered, in order.</summary>
    public IReadOnlyList<string> AppBPaths => [.. _appBPaths];

    /// <summary>Starts everything and waits until both sidecars are connected, hold the pushed policy and a certificate.</summary>
    /// <param name="webPolicy">The YAML policy of service <c>web</c> (sidecar A).</param>
    /// <param name="ordersPolicy">The YAML policy of service <c>orders</c> (sidecar B), or null for none.</param>
    public static async Task<TransparentMesh> StartAsync(string webPolicy = WebPolicy, string? ordersPolicy = null)
    {
        var (client, server) = await NetworkNamespace.CreatePairAsync();
        var directory = Directory.CreateTempSubdirectory("meshheal-e2e-").FullName;
        var mesh = new TransparentMesh(client, server, directory);
        try
        {
            await mesh.StartInsideAsync(webPolicy, ordersPolicy);
            return mesh;
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    private async Task StartInsideAsync(string webPolicy, string? ordersPolicy)
    {
        // The sidecars run as uid 1337 and read their configuration here; uid 1337 writes its samples to Scratch.
        const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(_directory, Readable);
            Directory.CreateDirectory(Scratch);
            File.SetUnixFileMode(Scratch, Readable | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);
        }

        await Client.SetHostsAsync(("orders", Server.Address!));
        var load = OpenLoop.BuildAsync(Programs.Root, _directory);

        await InitNetworkAsync(Client);
        await InitNetworkAsync(Server, "--service-ports", ServicePort.ToString(CultureInfo.InvariantCulture));

        await Server.StartAsync(
            "control plane", "dotnet",
            [
                Programs.ControlPlane, $"--ControlPlane:GrpcUrl=http://0.0.0.0:{GrpcPort}", $"--ControlPlane:HttpUrl=http://0.0.0.0:{HttpPort}",
                "--ControlPlane:StorePath=" + Path.Combine(_directory, "controlplane.db"), "--Logging:LogLevel:Default=Warning",
                "--Logging:LogLevel:Mesh.Heal.ControlPlane.Hosting.ControlPlaneHost=Information",
                "--ControlPlane:Auth:AdminTokens:0=" + AdminToken, "--ControlPlane:Auth:ServiceTokens:web:0=" + WebToken,
                "--ControlPlane:Auth:ServiceTokens:orders:0=" + OrdersToken, "--ControlPlane:Identity:Enabled=true",
            ],
            new System.Text.RegularExpressions.Regex(@"Control plane listening: grpc (\S+) http (\S+)"));
        var webVersion = await PutPolicyAsync("web", webPolicy);
        var ordersVersion = ordersPolicy is null ? 0 : await PutPolicyAsync("orders", ordersPolicy);

        await StartAppBAsync();
        var sidecarB = StartSidecarAsync(
            Server, "orders", OrdersToken, $"http://127.0.0.1:{GrpcPort}", new { },
            [$"--Sidecar:InboundListenUrl={MeshScheme}://0.0.0.0:{InboundPort}", $"--Sidecar:InboundTarget=http://127.0.0.1:{ServicePort}"]);
        var sidecarA = StartSidecarAsync(
            Client, "web", WebToken, $"http://{Server.Address}:{GrpcPort}",
            new
            {
                Routes = new Dictionary<string, object> { ["explicit"] = new { ClusterId = "orders-plain", Match = new { Path = "/{**catch-all}" } } },
                Clusters = new Dictionary<string, object>
                {
                    ["orders"] = new { Destinations = new { b = new { Address = $"{MeshScheme}://orders:{ServicePort}/" } } },
                    ["orders-plain"] = new { Destinations = new { b = new { Address = $"http://{Server.Address}:{DirectPort}/" } } },
                },
            },
            ["--Sidecar:Interception:Enabled=true"]);
        await Task.WhenAll(sidecarA, sidecarB);
        Load = await load;

        await WaitReadyAsync(ClientHttp, "sidecar A", webVersion);
        await WaitReadyAsync(ServerHttp, "sidecar B", ordersVersion);
    }

    /// <summary>The iptables rules an injected pod's init container writes, by <c>meshctl init-network</c> itself.</summary>
    private static async Task InitNetworkAsync(NetworkNamespace network, params string[] extra)
    {
        var (code, output) = await network.RunAsync("dotnet", [Programs.Meshctl, "init-network", "--proxy-uid", ProxyUid.ToString(CultureInfo.InvariantCulture), .. extra]);
        Assert.True(code == 0, $"meshctl init-network in {network.Name} exited with {code}: {output}");
    }

    private async Task StartAppBAsync()
    {
        // App B answers who it is, where the request arrived, and the peer identity its sidecar vouched for.
        _appB = await NamespaceWebServer.StartAsync(
            Server,
            context =>
            {
                _appBPaths.Enqueue(context.Request.Path.Value ?? string.Empty);
                var peer = context.Request.Headers["X-MeshHeal-Peer-Identity"].ToString();
                return context.Response.WriteAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"app-b {context.Connection.LocalPort} {context.Request.Path}{context.Request.QueryString} host={context.Request.Host} peer={(peer.Length > 0 ? peer : "none")}"));
            },
            ServicePort, DirectPort);
    }

    /// <summary>Kills app B: its listeners close, so connections to 8080 and 9090 are refused from now on.</summary>
    public async Task KillAppBAsync()
    {
        if (_appB is { } app)
        {
            _appB = null;
            using (var now = new CancellationTokenSource())
            {
                await now.CancelAsync();
                await app.StopAsync(now.Token);
            }

            await app.DisposeAsync();
        }
    }

    private async Task StartSidecarAsync(NetworkNamespace network, string service, string token, string controlPlane, object reverseProxy, string[] extra)
    {
        var config = Path.Combine(_directory, service + ".json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new { Sidecar = new { Service = service }, ReverseProxy = reverseProxy }));
        var (program, leading) = NetworkNamespace.SidecarProgram(() => typeof(SidecarHost).Assembly.Location);
        string[] args =
        [
            "HOME=" + _directory, program, .. leading,
            .. SidecarCommand.Arguments(config, [
                $"--Sidecar:ListenUrl=http://127.0.0.1:{OutboundPort}", $"--Sidecar:AdminUrl=http://127.0.0.1:{AdminPort}",
                "--Sidecar:ControlPlaneUrl=" + controlPlane, "--Sidecar:ControlPlaneToken=" + token, $"--Sidecar:Instance={service}-1",
                "--Sidecar:Identity:Enabled=true", .. extra]),
        ];
        await network.StartAsync("sidecar " + service, "env", args, SidecarCommand.Listening(), uid: ProxyUid);
    }

    private static async Task WaitReadyAsync(HttpClient admin, string name, long policyVersion) => await Wait.UntilAsync(
        async () =>
        {
            var state = await StateAsync(admin);
            return state.GetProperty("controlPlane").GetProperty("connected").GetBoolean()
                && (policyVersion == 0 || HoldsPolicy(state, policyVersion))
                && state.GetProperty("identity").GetProperty("identity").ValueKind == JsonValueKind.String;
        },
        $"{name} is connected to the control plane, holds policy version {policyVersion} and a certificate",
        TimeSpan.FromSeconds(30));

    /// <summary>Whether a sidecar's <c>/admin/state</c> shows it applied version <paramref name="version"/> from the control
    /// plane (its own configuration's policy has a version too).</summary>
    public static bool HoldsPolicy(JsonElement state, long version) =>
        state.GetProperty("policySource").GetString() == "ControlPlane" && state.GetProperty("policyVersion").GetInt64() == version;

    /// <summary>PUTs a YAML policy to the control plane and returns its version.</summary>
    public async Task<long> PutPolicyAsync(string service, string yaml)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"http://127.0.0.1:{HttpPort}/v1/policies/{service}")
        {
            Content = new StringContent(yaml, Encoding.UTF8, "application/yaml"),
        };
        request.Headers.Authorization = new("Bearer", AdminToken);
        using var response = await ServerHttp.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT /v1/policies/{service}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("version").GetInt64();
    }

    /// <summary>Sidecar A's <c>/admin/state</c>.</summary>
    public Task<JsonElement> StateAAsync() => StateAsync(ClientHttp);

    /// <summary>Sidecar B's <c>/admin/state</c>.</summary>
    public Task<JsonElement> StateBAsync() => StateAsync(ServerHttp);

    /// <summary>Sidecar A's <c>/metrics</c>.</summary>
    public Task<string> MetricsAAsync() => ClientHttp.GetStringAsync($"http://127.0.0.1:{AdminPort}/metrics");

    /// <summary>Sidecar B's <c>/metrics</c>.</summary>
    public Task<string> MetricsBAsync() => ServerHttp.GetStringAsync($"http://127.0.0.1:{AdminPort}/metrics");

    private static async Task<JsonElement> StateAsync(HttpClient admin)
    {
        var body = await admin.GetStringAsync($"http://127.0.0.1:{AdminPort}/admin/state");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Runs curl inside <paramref name="network"/> (as <paramref name="uid"/> when given): app A's one request,
    /// or a caller outside the mesh. Returns curl's exit code, the HTTP status (0 when none came) and the body.</summary>
    public static async Task<(int Code, int Status, string Body)> CurlAsync(NetworkNamespace network, string url, int? uid = null, params string[] extra)
    {
        var (code, output) = await network.RunAsync("curl", ["-sS", "--max-time", "10", .. extra, "-o", "-", "-w", "\n%{http_code}", url], uid);
        var cut = output.LastIndexOf('\n');
        var status = int.TryParse(output[(cut + 1)..].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 0;
        return (code, status, cut < 0 ? output : output[..cut]);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAppBAsync();
        ClientHttp.Dispose();
        ServerHttp.Dispose();
        await Client.DisposeAsync();
        await Server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The request app A makes, by name, unchanged by the mesh.</summary>
    public static Uri OrdersUrl(string path) => new($"http://orders:{ServicePort}{path}");

    /// <summary>App B's address on its unprotected port, for the direct measurement.</summary>
    public Uri DirectUrl(string path) => new($"http://{Server.Address}:{DirectPort}{path}");

    /// <summary>Sidecar A's explicit address (route to <c>orders-plain</c>), for the explicit plain measurement.</summary>
    public static Uri ExplicitUrl(string path) => new($"http://127.0.0.1:{OutboundPort}{path}");

    /// <summary>The address of app B's service port as a caller from another namespace sees it.</summary>
    public Uri ServiceAddress(string path) => new($"http://{Server.Address}:{ServicePort}{path}");
}
