using System.Net;
using Mesh.Heal.Benchmarks.Load;
using Mesh.Heal.Chaos;
using Mesh.Heal.IntegrationTests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Heal.IntegrationTests.Load;

/// <summary>The load benchmark's open-loop generator (tests/bench/openloop.c, compiled here as the benchmark does) against
/// a Kestrel app on 127.0.0.1: it sends at the rate asked, counts non-2xx answers as errors, and measures from each
/// request's due time, so a server stall is seen by every request queued behind it.</summary>
[Collection(nameof(IntegrationCollection))]
public sealed class OpenLoopTests : IClassFixture<OpenLoopTests.Generator>
{
    private readonly Generator _generator;

    public OpenLoopTests(Generator generator) => _generator = generator;

    [Fact]
    public async Task RunAsync_FixedRate_SendsEveryRequestAndRecordsEach()
    {
        await using var server = await Server.StartAsync(_ => TimeSpan.Zero, StatusCodes.Status200OK, contentLength: true);

        var result = await (await _generator.OpenLoop).RunAsync(server.Address, rate: 200, seconds: 1, warmupSeconds: 0.25, connections: 4);

        Assert.Equal(200, result.Count);
        Assert.Equal(0, result.Errors);
        Assert.Equal(250, server.Requests); // the warm-up's 50 are sent, not recorded
        Assert.True(result.P50 > 0 && result.P50 <= result.P90 && result.P90 <= result.P99 && result.P99 <= result.P999 && result.P999 <= result.Max);
    }

    [Fact]
    public async Task RunAsync_ServerStallsOnce_RequestsQueuedBehindItCountFromTheirDueTime()
    {
        // One connection, a 400 ms stall at the 50th request of 200 at 200/s: the ~80 requests due during the stall wait
        // for the connection. Measured from when they went out, only one request would be slow (p90 well under 1 ms).
        await using var server = await Server.StartAsync(n => n == 50 ? TimeSpan.FromMilliseconds(400) : TimeSpan.Zero, StatusCodes.Status200OK, contentLength: false);

        var result = await (await _generator.OpenLoop).RunAsync(server.Address, rate: 200, seconds: 1, warmupSeconds: 0, connections: 1);

        Assert.Equal(200, result.Count);
        Assert.Equal(0, result.Errors);
        Assert.True(result.P90 >= 100_000, $"p90 {result.P90} µs: the queued requests' wait is not counted");
        Assert.True(result.Max >= 380_000, $"max {result.Max} µs: the stalled request's 400 ms are not counted");
    }

    [Fact]
    public async Task RunAsync_ServerAnswers503_CountsErrorsNotLatencies()
    {
        await using var server = await Server.StartAsync(_ => TimeSpan.Zero, StatusCodes.Status503ServiceUnavailable, contentLength: true);

        var result = await (await _generator.OpenLoop).RunAsync(server.Address, rate: 100, seconds: 1, warmupSeconds: 0, connections: 2);

        Assert.Equal(0, result.Count);
        Assert.Equal(100, result.Errors);
    }

    [Fact]
    public async Task RunAsync_WithSamplesFile_WritesEveryRecordedLatency_Sorted_MatchingThePercentiles()
    {
        await using var server = await Server.StartAsync(_ => TimeSpan.Zero, StatusCodes.Status200OK, contentLength: true);
        var file = Path.Combine(_generator.Folder, "samples.txt");

        var result = await (await _generator.OpenLoop).RunAsync(server.Address, rate: 200, seconds: 1, warmupSeconds: 0.25, connections: 4, samples: file);
        var samples = OpenLoop.ReadSamples(file);

        Assert.Equal(result.Count, samples.Length);
        Assert.Equal(samples.Order(), samples);
        // Nearest rank, as the generator computes it; the line prints one decimal.
        Assert.Equal(result.P50, samples[(int)Math.Ceiling(0.5 * samples.Length) - 1], 0.1);
        Assert.Equal(result.Max, samples[^1], 0.1);
    }

    [Fact]
    public void Parse_GeneratorLine_ReadsEveryField()
    {
        var result = OpenLoop.Parse(
            "openloop rate=1000 seconds=8.000 connections=64 sent=8000 count=7998 errors=2 p50_us=61.5 p90_us=80.0 p99_us=250.2 p999_us=900.0 max_us=1500.0 mean_us=70.1 send_late_p99_us=12.5 wake_late_p99_us=9.5");

        Assert.Equal(new OpenLoopResult(7998, 2, 61.5, 80.0, 250.2, 900.0, 1500.0, 12.5, 9.5), result);
    }

    /// <summary>openloop compiled once for the class, into a directory removed afterwards.</summary>
    public sealed class Generator : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("meshheal-openloop-").FullName;

        public Generator() => OpenLoop = Mesh.Heal.Benchmarks.Load.OpenLoop.BuildAsync(Programs.Root, _directory);

        internal Task<OpenLoop> OpenLoop { get; }

        /// <summary>The directory the generator is compiled into, removed with it.</summary>
        internal string Folder => _directory;

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A Kestrel app answering "ok" with the given status, holding request n (from 1) for <c>delay(n)</c>.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private Server(WebApplication app) => _app = app;

        public Uri Address => new(_app.Urls.First() + "/");

        public int Requests => Volatile.Read(ref _requests);

        public static async Task<Server> StartAsync(Func<int, TimeSpan> delay, int status, bool contentLength)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var server = new Server(app);
            app.Run(async context =>
            {
                var wait = delay(Interlocked.Increment(ref server._requests));
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                context.Response.StatusCode = status;
                if (contentLength)
                {
                    context.Response.ContentLength = 2;
                }

                await context.Response.WriteAsync("ok");
            });
            await app.StartAsync();
            return server;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
