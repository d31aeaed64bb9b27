using System.Globalization;
using System.Text;
using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.Testing.Network;
using Xunit.Abstractions;

namespace Mesh.Heal.IntegrationTests.Network;

/// <summary>Issue 22's namespace tests: app A in one pod calls <c>http://orders:8080/</c> by name, unchanged, and the
/// mesh (both sidecars, interception written by <c>meshctl init-network</c>, the control plane's identities) protects
/// the call on its way to app B in another pod (<see cref="TransparentMesh"/>). App A is a real process: curl for one
/// request, the open-loop generator (tests/bench/openloop.c) for load.</summary>
[Collection(nameof(IntegrationCollection))]
public class TransparentMeshTests(ITestOutputHelper output)
{
    private const string SpiffePrefix = "spiffe://meshheal.local/service/";

    [NetworkFact]
    public async Task AppA_CallingOrdersByName_ReachesAppB_ThroughBothSidecars()
    {
        await using var mesh = await TransparentMesh.StartAsync();

        var (code, status, body) = await TransparentMesh.CurlAsync(mesh.Client, TransparentMesh.OrdersUrl("/hello?x=1").ToString());

        Assert.True(code == 0 && status == 200, $"curl exited {code}, HTTP {status}: {body}");
        // App B sees the caller's identity, which sidecar B took from sidecar A's client certificate: the hop was mTLS.
        Assert.Equal($"app-b {TransparentMesh.ServicePort} /hello?x=1 host=orders:{TransparentMesh.ServicePort} peer={SpiffePrefix}web", body);
        Assert.Equal(1, mesh.AppBRequests);
        var stateA = await mesh.StateAAsync();
        var stateB = await mesh.StateBAsync();
        Assert.Equal(1, stateA.GetProperty("clusters").GetProperty("orders").GetProperty("requests").GetInt64());
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"orders\",outcome=\"success\"} 1", await mesh.MetricsAAsync());
        Assert.Contains("meshheal_requests_total{otel_scope_name=\"Mesh.Heal.Sidecar\",cluster=\"inbound\",outcome=\"success\"} 1", await mesh.MetricsBAsync());
        Assert.Equal(SpiffePrefix + "web", stateA.GetProperty("identity").GetProperty("identity").GetString());
        Assert.Equal(SpiffePrefix + "orders", stateB.GetProperty("identity").GetProperty("identity").GetString());
    }

    [NetworkFact]
    public async Task AppA_RawTcpToOrders_IsOpaqueTcpThroughBothSidecars_ReachesAppB()
    {
        await using var mesh = await TransparentMesh.StartAsync();

        // Not HTTP: sidecar A carries it as opaque TCP to the original destination, and sidecar B's https inbound listener
        // (first byte not a TLS record, policy Permissive) carries it on to app B's port, whose Kestrel answers 400.
        using var socket = mesh.Client.CreateSocket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(mesh.Server.Address!, TransparentMesh.ServicePort);
        // No half-close: Kestrel may drop a bad request from a client that is done sending without answering it.
        await socket.SendAsync("\u0001not http\r\n\r\n"u8.ToArray());
        using var answer = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
        {
            answer.Write(buffer, 0, read);
        }

        // App A closes its side: only then has each opaque connection ended both ways, and is counted.
        socket.Close();
        var text = Encoding.ASCII.GetString(answer.ToArray());
        Assert.StartsWith("HTTP/1.1 400", text, StringComparison.Ordinal);
        // App B's Kestrel names itself; the sidecars' listeners send no Server header, so the 400 is app B's.
        Assert.Contains("Server: Kestrel", text, StringComparison.Ordinal);
        const string Ok = "meshheal_tcp_connections_total{otel_scope_name=\"Mesh.Heal.Sidecar\",direction=\"{0}\",result=\"ok\"} 1";
        await Wait.UntilAsync(async () => (await mesh.MetricsAAsync()).Contains(Ok.Replace("{0}", "outbound", StringComparison.Ordinal), StringComparison.Ordinal), "sidecar A counted the outbound opaque connection");
        await Wait.UntilAsync(async () => (await mesh.MetricsBAsync()).Contains(Ok.Replace("{0}", "inbound", StringComparison.Ordinal), StringComparison.Ordinal), "sidecar B counted the inbound opaque connection");
        Assert.Equal(0, mesh.AppBRequests);
    }

    [NetworkFact]
    public async Task AppBKilled_AppAIsServedByTheFallback_NoFailedRequest_AndTheBreakerOpens()
    {
        await using var mesh = await TransparentMesh.StartAsync();
        var orders = TransparentMesh.OrdersUrl("/orders");
        var before = await mesh.Load!.RunInAsync(mesh.Client, null, orders, rate: 50, seconds: 1, warmupSeconds: 0, connections: 4);
        Assert.Equal((50, 0), (before.Count, before.Errors));

        await mesh.KillAppBAsync();
        var during = await mesh.Load.RunInAsync(mesh.Client, null, orders, rate: 50, seconds: 3, warmupSeconds: 0, connections: 4);
        var state = await Wait.UntilAsync(
            async () => (await mesh.StateAAsync()).GetProperty("clusters").GetProperty("orders"),
            o => o.GetProperty("breaker").GetString() == "Open",
            "sidecar A's breaker for orders is open");
        var (_, status, body) = await TransparentMesh.CurlAsync(mesh.Client, orders.ToString());

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"app B killed: app A sent {during.Count + during.Errors} requests at 50/s, {during.Errors} failed; sidecar A orders: requests {state.GetProperty("requests")}, attempt failures {state.GetProperty("failures")} (what reached the dead upstream, each answered by the fallback, before and between breaker probes), fallbacks {state.GetProperty("fallbacks")}, rejected by the open breaker {state.GetProperty("rejected")}"));
        Assert.Equal((150, 0), (during.Count, during.Errors));
        Assert.Equal((200, "orders-fallback"), (status, body));
        Assert.True(state.GetProperty("failures").GetInt64() > 0, state.ToString());
        Assert.True(state.GetProperty("rejected").GetInt64() > 0, state.ToString());
        Assert.True(state.GetProperty("fallbacks").GetInt64() >= 150, state.ToString());
    }

    [NetworkFact]
    public async Task MtlsRequired_ACallerOutsideTheMesh_IsRefused_WhileAppAIsServed()
    {
        await using var mesh = await TransparentMesh.StartAsync();
        // A caller outside the mesh: in the client pod as the proxy's uid, so not intercepted, straight to app B's port.
        var outside = mesh.ServiceAddress("/outside").ToString();
        var permissive = await TransparentMesh.CurlAsync(mesh.Client, outside, TransparentMesh.ProxyUid);
        Assert.True(permissive.Status == 200, $"permissive: curl exited {permissive.Code}, HTTP {permissive.Status}: {permissive.Body}");

        var version = await mesh.PutPolicyAsync("orders", "service: orders\nmtls: Required\n");
        await Wait.UntilAsync(async () => TransparentMesh.HoldsPolicy(await mesh.StateBAsync(), version), "sidecar B holds the Mtls: Required policy");
        var plain = await TransparentMesh.CurlAsync(mesh.Client, outside, TransparentMesh.ProxyUid);
        var tlsWithoutCertificate = await TransparentMesh.CurlAsync(mesh.Client, outside.Replace("http://", "https://", StringComparison.Ordinal), TransparentMesh.ProxyUid, "--insecure");
        var appA = await TransparentMesh.CurlAsync(mesh.Client, TransparentMesh.OrdersUrl("/inside").ToString());

        Assert.True(plain.Code != 0 && plain.Status == 0, $"plain outside caller: curl exited {plain.Code}, HTTP {plain.Status}: {plain.Body}");
        Assert.True(tlsWithoutCertificate.Code != 0 && tlsWithoutCertificate.Status == 0, $"TLS outside caller: curl exited {tlsWithoutCertificate.Code}, HTTP {tlsWithoutCertificate.Status}: {tlsWithoutCertificate.Body}");
        Assert.True(appA.Status == 200, $"app A: curl exited {appA.Code}, HTTP {appA.Status}: {appA.Body}");
        Assert.StartsWith($"app-b {TransparentMesh.ServicePort} /inside host=orders:{TransparentMesh.ServicePort} peer={SpiffePrefix}web", appA.Body, StringComparison.Ordinal);
        Assert.Equal(["/outside", "/inside"], mesh.AppBPaths);
        // The exporter caches a scrape briefly: wait for the counts rather than read them once.
        await Wait.UntilAsync(
            mesh.MetricsBAsync,
            metrics => Refused(metrics, "plaintext") == 1 && Refused(metrics, "no_client_certificate") == 1,
            "sidecar B counted one plaintext and one no_client_certificate refusal");
    }

    [NetworkFact]
    public async Task CertificatesRotatedUnderLoad_NoFailedRequest_AndTheSerialsChanged()
    {
        const int Renewals = 3;
        const int Rate = 100;
        const int Seconds = 12;
        await using var mesh = await TransparentMesh.StartAsync();
        List<string> serialsA = [await SerialAsync(mesh.StateAAsync)];
        List<string> serialsB = [await SerialAsync(mesh.StateBAsync)];

        var load = mesh.Load!.RunInAsync(mesh.Client, null, TransparentMesh.OrdersUrl("/rotation"), Rate, Seconds, warmupSeconds: 0, connections: 8);
        await Wait.UntilAsync(() => mesh.AppBRequests > Rate / 2, "app A's load reaches app B");
        for (var i = 0; i < Renewals; i++)
        {
            serialsA.Add(await RenewAsync(mesh.ClientHttp, mesh.StateAAsync, serialsA[^1], "sidecar A"));
            serialsB.Add(await RenewAsync(mesh.ServerHttp, mesh.StateBAsync, serialsB[^1], "sidecar B"));
        }

        Assert.False(load.IsCompleted, $"the {Renewals} renewals of each sidecar took longer than the {Seconds} s of load; the load must outlast them");
        var result = await load;

        output.WriteLine($"{Renewals} renewals per sidecar under {Rate} requests/s for {Seconds} s: {result.Count} answered, {result.Errors} failed; serials A {string.Join(" -> ", serialsA)}, B {string.Join(" -> ", serialsB)}");
        Assert.Equal((Rate * Seconds, 0), (result.Count, result.Errors));
        Assert.Equal(Renewals + 1, serialsA.Distinct().Count());
        Assert.Equal(Renewals + 1, serialsB.Distinct().Count());
        var orders = (await mesh.StateAAsync()).GetProperty("clusters").GetProperty("orders");
        Assert.Equal(0, orders.GetProperty("failures").GetInt64());
        Assert.Equal(0, orders.GetProperty("fallbacks").GetInt64());

        // A new handshake with sidecar B gets its newest certificate (a TLS caller from outside the mesh, served under
        // Permissive): the pooled connections that carried the load kept theirs, new ones do not.
        var https = mesh.ServiceAddress("/handshake").ToString().Replace("http://", "https://", StringComparison.Ordinal);
        var (code, certs) = await mesh.Client.RunAsync("curl", ["-sS", "--insecure", "--max-time", "10", "-o", "/dev/null", "-w", "%{certs}", https], TransparentMesh.ProxyUid);
        var presented = System.Text.RegularExpressions.Regex.Match(certs, @"Serial Number:\s*([0-9A-Fa-f:]+)");
        Assert.True(code == 0 && presented.Success, $"curl exited {code}: {certs}");
        Assert.Equal(serialsB[^1].TrimStart('0'), presented.Groups[1].Value.Replace(":", string.Empty, StringComparison.Ordinal).ToUpperInvariant().TrimStart('0'));
    }

    private static async Task<string> SerialAsync(Func<Task<System.Text.Json.JsonElement>> state) =>
        (await state()).GetProperty("identity").GetProperty("serial").GetString()!;

    /// <summary>Asks the sidecar for a new certificate now and waits until it holds one with another serial.</summary>
    private static async Task<string> RenewAsync(HttpClient admin, Func<Task<System.Text.Json.JsonElement>> state, string previous, string name)
    {
        using var response = await admin.PostAsync($"http://127.0.0.1:{TransparentMesh.AdminPort}/admin/identity/renew", null);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return await Wait.UntilAsync(() => SerialAsync(state), serial => serial != previous, $"{name} holds a certificate with a serial other than {previous}");
    }

    /// <summary>The inbound refusals counted for <paramref name="reason"/> in a Prometheus scrape.</summary>
    private static long Refused(string metrics, string reason)
    {
        var match = System.Text.RegularExpressions.Regex.Match(metrics, "^meshheal_inbound_refused_total\\{[^}]*reason=\"" + reason + "\"[^}]*\\} (\\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>The added latency of the mesh path against the plain explicit one and the direct call: the three paths
    /// interleaved in rounds in the same run, each round one open-loop run per path (app A's requests at a fixed rate,
    /// latency from each request's due time), samples pooled per path. Printed and written to
    /// tests/artifacts/network/latency.txt; not an assertion (the machine is shared).</summary>
    [NetworkFact]
    public async Task Latency_DirectExplicitAndMeshPaths_ArePrintedAndWritten()
    {
        const int Rounds = 4;
        const int Rate = 200;
        const double Seconds = 1;
        await using var mesh = await TransparentMesh.StartAsync();
        const string MeshPath = "intercepted mTLS (app -> http://orders:8080 -> A -> mTLS -> B -> app B)";
        (string Name, Uri Url, int? Uid)[] paths =
        [
            ("direct (app -> app B:9090, not intercepted)", mesh.DirectUrl("/bench"), TransparentMesh.ProxyUid),
            ("explicit plain (app -> 127.0.0.1:15001 -> A -> app B:9090)", TransparentMesh.ExplicitUrl("/bench"), null),
            (MeshPath, TransparentMesh.OrdersUrl("/bench"), null),
        ];
        var samples = paths.Select(_ => new List<double>()).ToArray();
        long errors = 0;

        // Round 0 warms every path (JIT, pools, TLS sessions) and is not recorded; the rounds interleave the paths so
        // that drift on the shared machine hits all of them alike.
        for (var round = 0; round <= Rounds; round++)
        {
            for (var i = 0; i < paths.Length; i++)
            {
                var file = Path.Combine(mesh.Scratch, $"round{round}-path{i}.txt");
                var result = await mesh.Load!.RunInAsync(mesh.Client, paths[i].Uid, paths[i].Url, Rate, Seconds, warmupSeconds: 0.2, connections: 4, samples: file);
                if (round > 0)
                {
                    samples[i].AddRange(Benchmarks.Load.OpenLoop.ReadSamples(file));
                    errors += result.Errors;
                }
            }
        }

        var report = new StringBuilder();
        report.AppendLine(string.Create(CultureInfo.InvariantCulture, $"mesh latency, {DateTimeOffset.UtcNow:u}: {Rounds} interleaved rounds of {Seconds:0.#} s at {Rate} requests/s per path (openloop, 4 connections, 0.2 s warm-up per run, one warm-up round), in network namespaces joined by a veth pair; {Environment.ProcessorCount} cores, load average before the run {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        foreach (var (path, i) in paths.Select((p, i) => (p, i)))
        {
            report.AppendLine(Summary(path.Name, samples[i]));
        }

        var direct = Percentile(samples[0], 0.5);
        report.AppendLine(string.Create(CultureInfo.InvariantCulture, $"added median over direct: explicit plain {Percentile(samples[1], 0.5) - direct:F3} ms, intercepted mTLS {Percentile(samples[2], 0.5) - direct:F3} ms; over explicit plain: {Percentile(samples[2], 0.5) - Percentile(samples[1], 0.5):F3} ms"));
        report.AppendLine(string.Create(CultureInfo.InvariantCulture, $"errors: {errors}"));
        output.WriteLine(report.ToString());
        var artifacts = Path.Combine(Mesh.Heal.Chaos.Programs.Root, "tests", "artifacts", "network");
        Directory.CreateDirectory(artifacts);
        await File.WriteAllTextAsync(Path.Combine(artifacts, "latency.txt"), report.ToString());
        Assert.Equal(0, errors);
        Assert.All(samples, s => Assert.Equal(Rounds * Rate * Seconds, s.Count));
    }

    private static string Summary(string name, List<double> microseconds) => string.Create(
        CultureInfo.InvariantCulture,
        $"{name,-78} median {Percentile(microseconds, 0.5):F3} ms  p99 {Percentile(microseconds, 0.99):F3} ms  ({microseconds.Count} requests)");

    /// <summary>The <paramref name="p"/> quantile in ms of samples in µs (nearest rank).</summary>
    private static double Percentile(List<double> microseconds, double p)
    {
        var sorted = microseconds.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1))] / 1000;
    }
}
