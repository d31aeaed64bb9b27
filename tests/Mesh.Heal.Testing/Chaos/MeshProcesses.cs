using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mesh.Heal.Chaos;

/// <summary><c>meshctl upstream</c> as a process: killed and restarted on the same port, told to fail or slow down.</summary>
internal sealed partial class UpstreamProcess : IAsyncDisposable
{
    private static readonly HttpClient Control = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly string _name;
    private readonly Uri? _call;
    private readonly string[] _args;
    private ChaosProcess _process;

    private UpstreamProcess(string name, Uri? call, string[] args, ChaosProcess process, int port)
    {
        _name = name;
        _call = call;
        _args = args;
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"http://127.0.0.1:{Port}/";

    /// <summary>The address without a scheme, as a Prometheus target and its <c>instance</c> label: <c>127.0.0.1:port</c>.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>Whether the process is still running (it exits by itself past its memory limit).</summary>
    public bool Running => _process.Running;

    public static async Task<UpstreamProcess> StartAsync(string name, Uri? call = null, int port = 0, params string[] args)
    {
        var (process, ready) = await StartProcessAsync(name, call, port, args);
        return new UpstreamProcess(name, call, args, process, int.Parse(ready.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    public Task KillAsync() => _process.KillAsync();

    /// <summary>A new process on the same port, as a restarted pod behind a stable address.</summary>
    public async Task RestartAsync()
    {
        await _process.DisposeAsync();
        (_process, _) = await StartProcessAsync(_name, _call, Port, _args);
    }

    /// <summary>Sets a fault: <c>status=503&amp;ratio=0.5</c>, <c>delay=3s</c>.</summary>
    public async Task FaultAsync(string query)
    {
        using var response = await Control.PutAsync($"{Address}_meshheal/fault?{query}", null);
        response.EnsureSuccessStatusCode();
    }

    public async Task HealAsync()
    {
        using var response = await Control.DeleteAsync($"{Address}_meshheal/fault");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Starts leaking <paramref name="rate"/> (such as <c>8MiB</c>) of memory a second.</summary>
    public async Task LeakAsync(string rate)
    {
        using var response = await Control.PutAsync($"{Address}_meshheal/leak?rate={rate}", null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A gauge from the process's <c>/metrics</c>, or null when it is not there or the process does not answer.</summary>
    public async Task<double?> MetricAsync(string name)
    {
        try
        {
            var text = await Control.GetStringAsync($"{Address}metrics");
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
            return line is null ? null : double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static Task<(ChaosProcess, Match)> StartProcessAsync(string name, Uri? call, int port, string[] args) => ChaosProcess.StartAsync(
        "upstream " + name,
        Programs.Demo,
        ["upstream", "--name", name, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. call is null ? Array.Empty<string>() : ["--call", call.ToString()], .. args],
        Listening());

    [GeneratedRegex(@"listening on http://127\.0\.0\.1:(\d+)/")]
    private static partial Regex Listening();
}

/// <summary>A sidecar process with its configuration file: the JIT build, or the native one named by <see cref="SidecarCommand.BinaryVariable"/>.</summary>
internal sealed class SidecarProcess : IAsyncDisposable
{
    private readonly ChaosProcess _process;
    private readonly HttpClient _admin;

    private SidecarProcess(ChaosProcess process, Uri proxy, Uri admin)
    {
        _process = process;
        Proxy = proxy;
        _admin = new HttpClient { BaseAddress = admin, Timeout = TimeSpan.FromSeconds(5) };
    }

    public Uri Proxy { get; }

    public ChaosProcess Process => _process;

    public static async Task<SidecarProcess> StartAsync(string name, string configJson, string directory, params string[] args)
    {
        var path = Path.Combine(directory, name + ".json");
        await File.WriteAllTextAsync(path, configJson);
        var (program, leading) = SidecarCommand.Program(() => Programs.Sidecar);
        var (process, ready) = await ChaosProcess.StartExecutableAsync(
            "sidecar " + name, program, [.. leading, .. SidecarCommand.Arguments(path, ["--Sidecar:Instance=" + name, .. args])], SidecarCommand.Listening());
        var addresses = SidecarCommand.Addresses(ready);
        return new SidecarProcess(process, addresses.ProxyUri, addresses.AdminUri);
    }

    /// <summary>The sidecar's <c>/metrics</c> (Prometheus text) from its admin listener.</summary>
    public Task<string> MetricsAsync() => _admin.GetStringAsync("/metrics");

    /// <summary>The sidecar's <c>/admin/state</c>.</summary>
    public async Task<JsonElement> StateAsync()
    {
        using var response = await _admin.GetAsync("/admin/state");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _process.DisposeAsync();
    }
}

/// <summary>A control plane process with its store in a directory; killed and restarted on the same ports and store.</summary>
internal sealed partial class ControlPlaneProcess : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string[] _args;
    private ChaosProcess _process;

    private ControlPlaneProcess(ChaosProcess process, string directory, string[] args, Uri grpc, Uri http)
    {
        _process = process;
        _directory = directory;
        _args = args;
        GrpcUri = grpc;
        HttpUri = http;
        Http = new HttpClient { BaseAddress = http, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri GrpcUri { get; }

    public Uri HttpUri { get; }

    public HttpClient Http { get; }

    public ChaosProcess Process => _process;

    public static Task<ControlPlaneProcess> StartAsync(string directory, params string[] args) => StartOnAsync(directory, 0, 0, args);

    /// <summary>Starts a control plane on the given ports (0: chosen by the OS), as a replacement pod behind a stable
    /// address does with arguments of its own (a new replica id).</summary>
    public static async Task<ControlPlaneProcess> StartOnAsync(string directory, int grpcPort, int httpPort, params string[] args)
    {
        var (process, ready) = await StartProcessAsync(directory, grpcPort, httpPort, args);
        return new ControlPlaneProcess(process, directory, args, new Uri(ready.Groups[1].Value), new Uri(ready.Groups[2].Value));
    }

    public Task KillAsync() => _process.KillAsync();

    /// <summary>A new process on the same ports and store.</summary>
    public async Task RestartAsync()
    {
        await _process.DisposeAsync();
        (_process, _) = await StartProcessAsync(_directory, GrpcUri.Port, HttpUri.Port, _args);
    }

    /// <summary>PUTs a YAML policy document; returns the version, or throws with the control plane's answer.</summary>
    public async Task<long> PutPolicyAsync(string service, string yaml)
    {
        using var content = new StringContent(yaml, System.Text.Encoding.UTF8, "application/yaml");
        using var response = await Http.PutAsync($"/v1/policies/{service}", content);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(body).RootElement.GetProperty("version").GetInt64()
            : throw new InvalidOperationException($"PUT /v1/policies/{service}: {(int)response.StatusCode} {body}");
    }

    /// <summary>The versions of <paramref name="service"/>'s policy after <paramref name="after"/>, oldest first, with who made them.</summary>
    public async Task<IReadOnlyList<PolicyVersionInfo>> PolicyVersionsSinceAsync(string service, long after)
    {
        var newest = await PolicyVersionAsync(service, 0);
        var versions = new List<PolicyVersionInfo>();
        for (var v = after + 1; v < newest.Version; v++)
        {
            versions.Add(await PolicyVersionAsync(service, v));
        }

        if (newest.Version > after)
        {
            versions.Add(newest);
        }

        return versions;
    }

    private async Task<PolicyVersionInfo> PolicyVersionAsync(string service, long version)
    {
        using var response = await Http.GetAsync(version == 0 ? $"/v1/policies/{service}" : $"/v1/policies/{service}?version={version}");
        response.EnsureSuccessStatusCode();
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return new PolicyVersionInfo(
            long.Parse(root.GetProperty("version").ToString(), System.Globalization.CultureInfo.InvariantCulture),
            root.TryGetProperty("source", out var source) ? source.GetString() ?? string.Empty : string.Empty,
            root.TryGetProperty("author", out var author) ? author.GetString() ?? string.Empty : string.Empty);
    }

    /// <summary><c>GET /v1/mesh/status</c>.</summary>
    public async Task<JsonElement> StatusAsync()
    {
        using var response = await Http.GetAsync("/v1/mesh/status");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync();
    }

    private static Task<(ChaosProcess, Match)> StartProcessAsync(string directory, int grpcPort, int httpPort, string[] args) => ChaosProcess.StartAsync(
        "control plane",
        Programs.ControlPlane,
        [
            $"--ControlPlane:GrpcUrl=http://127.0.0.1:{grpcPort}", $"--ControlPlane:HttpUrl=http://127.0.0.1:{httpPort}",
            "--ControlPlane:StorePath=" + Path.Combine(directory, "controlplane.db"), "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Mesh.Heal.ControlPlane.Hosting.ControlPlaneHost=Information", .. args,
        ],
        Listening());

    [GeneratedRegex(@"Control plane listening: grpc (\S+) http (\S+)")]
    private static partial Regex Listening();
}

/// <summary>One stored version of a service's policy and who made it.</summary>
internal sealed record PolicyVersionInfo(long Version, string Source, string Author);
