using System.Text.Json;
using Mesh.Heal.Sidecar.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>A real sidecar on 127.0.0.1 with ports chosen by the OS, configured from a JSON file it can rewrite.</summary>
internal sealed class TestSidecar : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private TestSidecar(WebApplication app, string directory, string configPath)
    {
        _app = app;
        _directory = directory;
        ConfigPath = configPath;
        var endpoints = app.Services.GetRequiredService<SidecarEndpoints>();
        Proxy = new HttpClient { BaseAddress = endpoints.ProxyUri, Timeout = TimeSpan.FromSeconds(30) };
        Admin = new HttpClient { BaseAddress = endpoints.AdminUri, Timeout = TimeSpan.FromSeconds(30) };
        Endpoints = endpoints;
    }

    public HttpClient Proxy { get; }

    public HttpClient Admin { get; }

    public SidecarEndpoints Endpoints { get; }

    public string ConfigPath { get; }

    public IServiceProvider Services => _app.Services;

    public static Task<TestSidecar> StartAsync(string configJson, params string[] args) => StartAsync(configJson, configure: null, args);

    /// <summary>Starts a sidecar; <paramref name="configure"/> adds to its builder (a logging provider, a startup filter).</summary>
    public static async Task<TestSidecar> StartAsync(string configJson, Action<WebApplicationBuilder>? configure, params string[] args)
    {
        var directory = Directory.CreateTempSubdirectory("meshheal-test-").FullName;
        var path = Path.Combine(directory, "sidecar.json");
        await File.WriteAllTextAsync(path, configJson);
        var app = SidecarHost.Build(
            ["--config", path, "--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0", .. args],
            builder =>
            {
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                configure?.Invoke(builder);
            });
        await app.StartAsync();
        return new TestSidecar(app, directory, path);
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

    /// <summary>Polls until <paramref name="condition"/> holds, failing after the deadline.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var end = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            if (DateTime.UtcNow > end)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Proxy.Dispose();
        Admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
