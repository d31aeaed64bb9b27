using System.Globalization;
using System.Net;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Cli.Demo;

/// <summary>A small HTTP service on 127.0.0.1 that answers every request with its own name; it can be killed and revived
/// on the same port, told to fail or slow down, and made to call a dependency of its own.</summary>
/// <remarks>
/// Faults are set at run time with <c>PUT /_meshheal/fault?status=503&amp;ratio=0.5&amp;delay=2s</c> and cleared with
/// <c>DELETE /_meshheal/fault</c>. A ratio fails exactly that share of requests, spread evenly (0.5 fails every second
/// one), so runs repeat; a status without a ratio fails every request, a delay without a status only slows them down. With a dependency, each request first calls it and answers 502 when it did not answer 2xx.
/// </remarks>
internal sealed class DemoUpstream : IAsyncDisposable
{
    private const string FaultPath = "/_meshheal/fault";
    private readonly string _name;
    private readonly Uri? _dependency;
    private readonly HttpClient? _client;
    private WebApplication? _app;
    private volatile Fault _fault = Fault.None;
    private long _requests;

    private DemoUpstream(string name, Uri? dependency)
    {
        _name = name;
        _dependency = dependency;
        _client = dependency is null ? null : new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; private set; }

    public string Address => $"http://127.0.0.1:{Port}/";

    /// <summary>Signalled when the service is asked to stop (Ctrl+C or SIGTERM while it runs).</summary>
    public CancellationToken Stopping => _app?.Lifetime.ApplicationStopping ?? new CancellationToken(canceled: true);

    public static async Task<DemoUpstream> StartAsync(string name, int port = 0, Uri? dependency = null)
    {
        var upstream = new DemoUpstream(name, dependency);
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

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _client?.Dispose();
    }

    /// <summary>Parses the query of a fault request; the error names the parameter and what it accepts.</summary>
    internal static (Fault? Fault, string? Error) ParseFault(IQueryCollection query)
    {
        var status = 503;
        double? ratio = null;
        var delay = TimeSpan.Zero;
        foreach (var (key, values) in query)
        {
            var value = values.ToString();
            switch (key)
            {
                case "status" when int.TryParse(value, CultureInfo.InvariantCulture, out status) && status is >= 200 and <= 599:
                    break;
                case "ratio" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1:
                    ratio = r;
                    break;
                case "delay" when DurationParser.TryParse(value, out delay) && delay >= TimeSpan.Zero && delay <= TimeSpan.FromMinutes(5):
                    break;
                default:
                    return (null, $"{key}: '{value}' is not accepted; accepted: status 200-599, ratio 0-1, delay 0 to 5m (such as 250ms, 2s)");
            }
        }

        // A status alone fails every request; a delay alone slows every request down and then answers it.
        return (new Fault(status, ratio ?? (query.ContainsKey("status") ? 1 : 0), delay), null);
    }

    private async Task StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var body = $"{{\"servedBy\":\"{_name}\"}}";
        app.MapPut(FaultPath, (HttpContext context) =>
        {
            var (fault, error) = ParseFault(context.Request.Query);
            if (fault is null)
            {
                return Results.BadRequest(error);
            }

            _fault = fault;
            return Results.Text($"fault: {fault}");
        });
        app.MapDelete(FaultPath, () =>
        {
            _fault = Fault.None;
            return Results.Text("fault: none");
        });
        // A route of its own (not a terminal middleware) so that the fault endpoints above are matched first.
        app.Map("/{**path}", async context =>
        {
            var fault = _fault;
            if (fault.Delay > TimeSpan.Zero)
            {
                await Task.Delay(fault.Delay, context.RequestAborted);
            }

            var n = Interlocked.Increment(ref _requests);
            if (fault.Ratio > 0 && Math.Floor(n * fault.Ratio) > Math.Floor((n - 1) * fault.Ratio))
            {
                context.Response.StatusCode = fault.Status;
                return;
            }

            if (_dependency is not null)
            {
                try
                {
                    using var response = await _client!.GetAsync(_dependency, context.RequestAborted);
                    if (!response.IsSuccessStatusCode)
                    {
                        context.Response.StatusCode = StatusCodes.Status502BadGateway;
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    context.Response.StatusCode = StatusCodes.Status502BadGateway;
                    return;
                }
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        });
        await app.StartAsync();
        Port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    /// <summary>What the service does to requests: fail <see cref="Ratio"/> of them with <see cref="Status"/> after <see cref="Delay"/>.</summary>
    internal sealed record Fault(int Status, double Ratio, TimeSpan Delay)
    {
        public static readonly Fault None = new(200, 0, TimeSpan.Zero);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"status {Status}, ratio {Ratio}, delay {Delay.TotalMilliseconds} ms");
    }
}
