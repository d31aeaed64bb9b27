using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Mesh.Heal.Sidecar.Tests.Integration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Mesh.Heal.Sidecar.Tests.Integration.TestSidecar;

namespace Mesh.Heal.Sidecar.Tests.Hosting;

[Collection(nameof(SidecarCollection))]
public class SlimHostTests
{
    [Fact]
    public async Task ProxiedRequest_TracingOff_NoActivityNoLoggingScopeNoTraceparent()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithBody("ok"));
        var probe = new RequestProbe();
        // A user's config that turns on Information logs for everything, as an operator debugging a pod would.
        var config = Config(new { backend = Cluster(upstream.Address()) })
            .Replace("{\"Sidecar\":", "{\"Logging\":{\"LogLevel\":{\"Default\":\"Information\",\"Microsoft\":\"Information\"}},\"Sidecar\":", StringComparison.Ordinal);
        await using var sidecar = await StartInProcessAsync(config, builder =>
        {
            builder.Logging.AddProvider(probe);
            builder.Services.AddSingleton<IStartupFilter>(probe);
        });

        for (var i = 0; i < 5; i++)
        {
            using var response = await sidecar.Proxy.GetAsync($"/orders/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(5, probe.Requests);
        Assert.Equal(0, probe.RequestsWithActivity);
        // Kestrel opens one ConnectionId scope per connection (it goes with its error log), never one per request.
        Assert.Single(probe.Scopes, s => s.StartsWith("ConnectionId:", StringComparison.Ordinal));
        Assert.DoesNotContain(probe.Scopes, s => !s.StartsWith("ConnectionId:", StringComparison.Ordinal));
        Assert.All(upstream.LogEntries, e => Assert.False(e.RequestMessage!.Headers!.ContainsKey("traceparent")));
    }

    [Fact]
    public async Task ProxiedRequest_ActivityListenerOn_ActivityPerRequest()
    {
        // The other side of the test above: with tracing on (a listener on ASP.NET Core's source), the host does
        // create the request activity, so the probe can see one when there is one.
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithBody("ok"));
        var probe = new RequestProbe();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        await using var sidecar = await StartInProcessAsync(Config(new { backend = Cluster(upstream.Address()) }), builder =>
            builder.Services.AddSingleton<IStartupFilter>(probe));

        using var response = await sidecar.Proxy.GetAsync("/orders/1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, probe.RequestsWithActivity);
    }

    [Fact]
    public async Task Start_DataProtectionKeyRing_NotBuiltAtStart()
    {
        using var upstream = Upstreams.Start();
        await using var sidecar = await StartInProcessAsync(Config(new { backend = Cluster(upstream.Address()) }));

        var hosted = sidecar.Services.GetServices<IHostedService>().Select(s => s.GetType().FullName).ToList();

        Assert.NotEmpty(hosted);
        Assert.DoesNotContain("Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService", hosted);
    }

    [Fact]
    public async Task SessionAffinityCookie_KeyRingBuiltOnFirstUse_RequestIsPinned()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithBody("ok"));
        var home = Directory.CreateTempSubdirectory("meshheal-dp-").FullName;
        var cluster = new
        {
            SessionAffinity = new { Enabled = true, Policy = "Cookie", AffinityKeyName = "affinity" },
            Destinations = new { d1 = new { Address = upstream.Address() } },
        };
        await using var sidecar = await StartInProcessAsync(Config(new { backend = cluster }), builder =>
            builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(home)));

        using var response = await sidecar.Proxy.GetAsync("/orders/1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("affinity=", StringComparison.Ordinal));
    }

    /// <summary>Sees each request first (a startup filter) and records every logging scope opened.</summary>
    private sealed class RequestProbe : IStartupFilter, ILoggerProvider, ILogger
    {
        private int _requests;
        private int _requestsWithActivity;

        public int Requests => Volatile.Read(ref _requests);

        public int RequestsWithActivity => Volatile.Read(ref _requestsWithActivity);

        public ConcurrentQueue<string> Scopes { get; } = new();

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                Interlocked.Increment(ref _requests);
                if (Activity.Current is not null || context.Features.Get<IHttpActivityFeature>() is not null)
                {
                    Interlocked.Increment(ref _requestsWithActivity);
                }

                return nextMiddleware(context);
            });
            next(app);
        };

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            Scopes.Enqueue(state.ToString() ?? typeof(TState).Name);
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }

        public void Dispose()
        {
        }
    }
}
