using System.Net;

namespace Mesh.Heal.Cli.Demo;

/// <summary>A small HTTP service on 127.0.0.1 that answers every request with its own name; it can be killed and revived on the same port.</summary>
internal sealed class DemoUpstream : IAsyncDisposable
{
    private readonly string _name;
    private WebApplication? _app;

    private DemoUpstream(string name) => _name = name;

    public int Port { get; private set; }

    public string Address => $"http://127.0.0.1:{Port}/";

    /// <summary>Signalled when the service is asked to stop (Ctrl+C or SIGTERM while it runs).</summary>
    public CancellationToken Stopping => _app?.Lifetime.ApplicationStopping ?? new CancellationToken(canceled: true);

    public static async Task<DemoUpstream> StartAsync(string name, int port = 0)
    {
        var upstream = new DemoUpstream(name);
        await upstream.StartAsync(port);
        return upstream;
    }

    /// <summary>Brings the service back on the port it had.</summary>
    public Task ReviveAsync() => StartAsync(Port);

    /// <summary>Stops the service: new connections are refused, as when its process dies.</summary>
    public async Task KillAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(TimeSpan.Zero);
            await app.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(KillAsync());

    private async Task StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var body = $"{{\"servedBy\":\"{_name}\"}}";
        app.Run(context =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(body);
        });
        await app.StartAsync();
        Port = new Uri(app.Urls.First()).Port;
        _app = app;
    }
}
