using System.Text.Json;
using Mesh.Heal.Chaos;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Configuration;
using Mesh.Heal.Sidecar.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>A real sidecar on 127.0.0.1 with ports chosen by the OS, configured from a JSON file it can rewrite.</summary>
/// <remarks>
/// In-process (<see cref="SidecarHost.Build"/>) by default; when <see cref="SidecarCommand.BinaryVariable"/> names the
/// NativeAOT executable, that executable as its own process with the same arguments, so the same tests check the
/// published sidecar. Either way the tests see the same clients and addresses.
/// </remarks>
internal sealed class TestSidecar : IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private static readonly List<TestSidecar> Live = [];

    // A wait that times out shows the output of every sidecar process still open, which is where the reason usually is.
    static TestSidecar() => Wait.AddContext(LiveOutput);
    private readonly WebApplication? _app;
    private readonly ChaosProcess? _process;
    private readonly ConsoleLines? _logs;
    private readonly string _directory;
    private bool _stopping;

    private TestSidecar(WebApplication? app, ConsoleLines? logs, ChaosProcess? process, SidecarAddresses endpoints, string directory, string configPath)
    {
        _app = app;
        _logs = logs;
        _process = process;
        _directory = directory;
        ConfigPath = configPath;
        Endpoints = endpoints;
        Proxy = new HttpClient(new ProcessOutputHandler(this)) { BaseAddress = endpoints.ProxyUri, Timeout = TimeSpan.FromSeconds(30) };
        Admin = new HttpClient(new ProcessOutputHandler(this)) { BaseAddress = endpoints.AdminUri, Timeout = TimeSpan.FromSeconds(30) };
        lock (Live)
        {
            Live.Add(this);
        }
    }

    /// <summary>Whether the tests run against the native executable named by <see cref="SidecarCommand.BinaryVariable"/>.</summary>
    public static bool BinaryMode => SidecarCommand.Binary is not null;

    public HttpClient Proxy { get; }

    public HttpClient Admin { get; }

    public SidecarAddresses Endpoints { get; }

    public string ConfigPath { get; }

    /// <summary>The in-process sidecar's services; a test that needs them runs only in-process (<c>[InProcessFact]</c>).</summary>
    public IServiceProvider Services => _app?.Services
        ?? throw new InvalidOperationException("this sidecar runs as a process; use TestSidecar.StartInProcessAsync, mark the test [InProcessFact], or observe it through the admin API");

    /// <summary>What the sidecar logged, in the console's form ("warn: Category[event id]", then the message indented),
    /// from the process's output or, in-process, from a logger provider writing the same lines.</summary>
    public IReadOnlyList<string> LogLines => _process?.Lines ?? _logs!.Lines;

    /// <summary>Stops the sidecar as its host would: SIGTERM to the process, or the in-process host's StopAsync.</summary>
    /// <returns>Whether it stopped within the grace period (in-process: always).</returns>
    public async Task<bool> StopAsync()
    {
        if (_process is not null)
        {
            _stopping = true;
            return await _process.StopAsync(StopGrace);
        }

        await _app!.StopAsync();
        return true;
    }

    /// <summary>The sidecar process's id, or null in-process.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>The last lines the sidecar process printed, or nothing in-process.</summary>
    public string Output => _process is null ? string.Empty : $"sidecar process {_process.Id} ({(_process.ExitCode is { } code ? $"exited with code {code}" : "running")}), its last lines:\n{_process.Output}";

    /// <summary>Starts a sidecar with <paramref name="configJson"/>: in-process, or the native executable in binary mode.</summary>
    /// <exception cref="SidecarConfigurationException">The sidecar refused its configuration (in binary mode: it exited with code 2).</exception>
    public static async Task<TestSidecar> StartAsync(string configJson, params string[] args)
    {
        var (directory, path) = await WriteConfigAsync(configJson);
        return BinaryMode ? await StartProcessAsync(directory, path, args) : await StartInProcessAsync(directory, path, args);
    }

    /// <summary>Starts the sidecar as its own process whatever the mode: the native executable in binary mode, else
    /// <c>dotnet Mesh.Heal.Sidecar.dll</c>.</summary>
    /// <exception cref="SidecarConfigurationException">The sidecar exited with code 2, refusing its configuration.</exception>
    public static async Task<TestSidecar> StartProcessAsync(string configJson, params string[] args)
    {
        var (directory, path) = await WriteConfigAsync(configJson);
        return await StartProcessAsync(directory, path, args);
    }

    /// <summary>Starts an in-process sidecar whatever the mode, for a test that reads its services and is not about the binary.</summary>
    public static Task<TestSidecar> StartInProcessAsync(string configJson, params string[] args) => StartInProcessAsync(configJson, configure: null, args);

    /// <summary>Starts an in-process sidecar; <paramref name="configure"/> adds to its builder (a logging provider, a startup filter).</summary>
    public static async Task<TestSidecar> StartInProcessAsync(string configJson, Action<WebApplicationBuilder>? configure, params string[] args)
    {
        var (directory, path) = await WriteConfigAsync(configJson);
        return await StartInProcessAsync(directory, path, args, configure);
    }

    /// <summary>The sidecar's JSON config with one cluster route and the given clusters and resilience section.</summary>
    public static string Config(object clusters, object? resilience = null, string route = "backend") =>
        JsonSerializer.Serialize(new
        {
            Sidecar = new { Service = "orders" },
            ReverseProxy = new
            {
                Routes = new Dictionary<string, object> { ["all"] = new { ClusterId = route, Match = new { Path = "{**catch-all}" } } },
                Clusters = clusters,
            },
            Resilience = resilience ?? new { },
        });

    /// <summary>A YARP cluster with one destination per address.</summary>
    public static object Cluster(params string[] addresses) => new
    {
        Destinations = addresses.Select((a, i) => (a, i)).ToDictionary(x => $"d{x.i + 1}", x => new { Address = x.a }),
    };

    public async Task<JsonElement> StateAsync()
    {
        using var response = await Admin.GetAsync("/admin/state");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async Task<JsonElement> ClusterStateAsync(string cluster) => (await StateAsync()).GetProperty("clusters").GetProperty(cluster);

    public async ValueTask DisposeAsync()
    {
        lock (Live)
        {
            Live.Remove(this);
        }

        Proxy.Dispose();
        Admin.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        string? crashed = null;
        if (_process is not null)
        {
            // A sidecar that died under the test is the failure to report, with what it printed.
            crashed = _process.ExitCode is null || _stopping ? null : Output;
            var stopped = await _process.StopAsync(StopGrace);
            crashed ??= stopped ? null : $"did not stop within {StopGrace.TotalSeconds} s of SIGTERM; {Output}";
            await _process.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }

        if (crashed is not null)
        {
            throw new InvalidOperationException(crashed);
        }
    }

    private static async Task<(string Directory, string Path)> WriteConfigAsync(string configJson)
    {
        var directory = Directory.CreateTempSubdirectory("meshheal-test-").FullName;
        var path = Path.Combine(directory, "sidecar.json");
        await File.WriteAllTextAsync(path, configJson);
        return (directory, path);
    }

    private static async Task<TestSidecar> StartInProcessAsync(string directory, string path, string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var logs = new ConsoleLines();
        var app = SidecarHost.Build(
            ["--config", path, "--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0", .. args],
            builder =>
            {
                builder.Logging.SetMinimumLevel(LogLevel.Warning).AddProvider(logs);
                configure?.Invoke(builder);
            });
        await app.StartAsync();
        var endpoints = app.Services.GetRequiredService<SidecarEndpoints>();
        return new TestSidecar(app, logs, null, new SidecarAddresses(endpoints.ProxyUri, endpoints.Http2ProxyUri, endpoints.AdminUri, endpoints.InboundUri), directory, path);
    }

    private static async Task<TestSidecar> StartProcessAsync(string directory, string path, string[] args)
    {
        var (program, leading) = SidecarCommand.Program(() => typeof(SidecarHost).Assembly.Location);
        try
        {
            var (process, ready) = await ChaosProcess.StartExecutableAsync(
                "sidecar", program, [.. leading, .. SidecarCommand.Arguments(path, args)], SidecarCommand.Listening());
            return new TestSidecar(null, null, process, SidecarCommand.Addresses(ready), directory, path);
        }
        catch (ProcessExitedException ex) when (ex.ExitCode == 2)
        {
            // Exit code 2 is the sidecar refusing its configuration, which in-process is this exception; its message,
            // "mesh-heal sidecar: invalid configuration: <field>: <reason>; …", is kept whole as one error.
            throw new SidecarConfigurationException([new PolicyError("(sidecar process output)", ex.Output)]);
        }
    }

    private static string LiveOutput()
    {
        lock (Live)
        {
            return string.Concat(Live.Where(s => s._process is not null).Select(s => "\n" + s.Output));
        }
    }

    /// <summary>The in-process sidecar's log as the console logger would print it, so tests read one form in both modes.</summary>
    private sealed class ConsoleLines : ILoggerProvider
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConsoleLines owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var level = logLevel switch
                {
                    LogLevel.Trace => "trce",
                    LogLevel.Debug => "dbug",
                    LogLevel.Information => "info",
                    LogLevel.Warning => "warn",
                    LogLevel.Error => "fail",
                    _ => "crit",
                };
                lock (owner._lines)
                {
                    owner._lines.Add($"{level}: {category}[{eventId.Id}]");
                    owner._lines.Add("      " + formatter(state, exception));
                }
            }
        }
    }

    /// <summary>Adds the sidecar process's output to a request that could not reach it: it crashed, or said why.</summary>
    private sealed class ProcessOutputHandler(TestSidecar sidecar) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex) when (sidecar._process is not null)
            {
                throw new HttpRequestException($"{ex.Message}\n{sidecar.Output}", ex, ex.StatusCode);
            }
        }
    }
}
