using System.Globalization;
using System.Net;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Demo;

/// <summary>A small HTTP service on 127.0.0.1 that answers every request with its own name; it can be killed and revived
/// on the same port, told to fail or slow down, and made to call a dependency of its own.</summary>
/// <remarks>
/// Faults are set at run time with <c>PUT /_meshheal/fault?status=503&amp;ratio=0.5&amp;delay=2s</c> and cleared with
/// <c>DELETE /_meshheal/fault</c>. A ratio fails exactly that share of requests, spread evenly (0.5 fails every second
/// one), so runs repeat; a status without a ratio fails every request, a delay without a status only slows them down. With a dependency, each request first calls it and answers 502 when it did not answer 2xx.
/// With an <see cref="UpstreamMemory"/> (<c>meshctl upstream</c>), it serves <c>/metrics</c>, leaks memory on
/// <c>PUT /_meshheal/leak?rate=4MiB</c>, frees it on <c>POST /_meshheal/cleanup</c> (the leak goes on) or
/// <c>DELETE /_meshheal/leak</c> (it stops). With a capacity, it serves at most that many requests a second, one after
/// another at an even pace: past it requests queue and their latency grows with the queue, as a saturated replica's does.
/// </remarks>
internal sealed class DemoUpstream : IAsyncDisposable
{
    private const string FaultPath = "/_meshheal/fault";
    private const string LeakPath = "/_meshheal/leak";
    private readonly string _name;
    private readonly Uri? _dependency;
    private readonly HttpClient? _client;
    private readonly UpstreamMemory? _memory;
    private WebApplication? _app;
    private readonly double? _capacity;
    private readonly Lock _pace = new();
    private volatile Fault _fault = Fault.None;
    private long _requests;
    private long _nextSlot;

    private DemoUpstream(string name, Uri? dependency, UpstreamMemory? memory, double? capacity)
    {
        _name = name;
        _dependency = dependency;
        _memory = memory;
        _capacity = capacity;
        _client = dependency is null ? null : new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; private set; }

    public string Address => $"http://127.0.0.1:{Port}/";

    /// <summary>Signalled when the service is asked to stop (Ctrl+C or SIGTERM while it runs).</summary>
    public CancellationToken Stopping => _app?.Lifetime.ApplicationStopping ?? new CancellationToken(canceled: true);

    /// <summary>Starts the service; with <paramref name="memory"/> it also serves <c>/metrics</c> and the leak endpoints; with
    /// <paramref name="capacity"/> it serves at most that many requests a second.</summary>
    public static async Task<DemoUpstream> StartAsync(string name, int port = 0, Uri? dependency = null, UpstreamMemory? memory = null, double? capacity = null)
    {
        var upstream = new DemoUpstream(name, dependency, memory, capacity);
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
        _memory?.Dispose();
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
        if (_memory is { } memory)
        {
            app.MapGet("/metrics", () => Results.Text(memory.Metrics(), "text/plain; version=0.0.4"));
            app.MapPut(LeakPath, (HttpContext context) =>
            {
                var rate = context.Request.Query["rate"].ToString();
                if (!TryBytes(rate, out var bytes) || bytes is < 0 or > 1L << 30)
                {
                    return Results.BadRequest($"rate: '{rate}' is not accepted; accepted: bytes per second up to 1GiB, such as 4MiB or 500KiB");
                }

                memory.Rate = bytes;
                return Results.Text(string.Create(CultureInfo.InvariantCulture, $"leaking {bytes} bytes per second"));
            });
            app.MapDelete(LeakPath, () =>
            {
                memory.Rate = 0;
                return Results.Text(string.Create(CultureInfo.InvariantCulture, $"leak stopped; {memory.Free()} bytes freed"));
            });
            // The service's cleanup hook: frees what leaked; the bug that leaks is still there.
            app.MapPost("/_meshheal/cleanup", () => Results.Text(string.Create(CultureInfo.InvariantCulture, $"{memory.Free()} bytes freed")));
        }

        // A route of its own (not a terminal middleware) so that the fault endpoints above are matched first.
        app.Map("/{**path}", async context =>
        {
            if (Queue() is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, context.RequestAborted);
            }

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

    // Each request takes the next free slot of 1/capacity seconds; the wait is how far that slot is ahead of now.
    private TimeSpan? Queue()
    {
        if (_capacity is not { } capacity)
        {
            return null;
        }

        var now = TimeProvider.System.GetTimestamp();
        var slot = (long)(TimeProvider.System.TimestampFrequency / capacity);
        long start;
        lock (_pace)
        {
            start = Math.Max(now, _nextSlot);
            _nextSlot = start + slot;
        }

        return TimeProvider.System.GetElapsedTime(now, start);
    }

    /// <summary>Parses a byte count: a number, optionally with B, KiB, MiB or GiB.</summary>
    internal static bool TryBytes(string text, out long bytes)
    {
        (string Suffix, long Factor)[] units = [("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("B", 1)];
        var (number, factor) = units.Where(u => text.EndsWith(u.Suffix, StringComparison.OrdinalIgnoreCase))
            .Select(u => (text[..^u.Suffix.Length], u.Factor)).FirstOrDefault((text, 1L));
        var ok = double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= 0;
        bytes = ok ? (long)(value * factor) : 0;
        return ok;
    }

    /// <summary>What the service does to requests: fail <see cref="Ratio"/> of them with <see cref="Status"/> after <see cref="Delay"/>.</summary>
    internal sealed record Fault(int Status, double Ratio, TimeSpan Delay)
    {
        public static readonly Fault None = new(200, 0, TimeSpan.Zero);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"status {Status}, ratio {Ratio}, delay {Delay.TotalMilliseconds} ms");
    }
}
