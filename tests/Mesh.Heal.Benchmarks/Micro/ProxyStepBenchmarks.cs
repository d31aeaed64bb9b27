using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Mesh.Heal.Sidecar.Forwarding.Internal;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Mesh.Heal.Sidecar.Telemetry.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace Mesh.Heal.Benchmarks.Micro;

/// <summary>The sidecar's own work per proxied request, time and bytes: the resilience middleware around a forwarder
/// stand-in (completing at once, and yielding as a real forward does), and the header transforms both ways.</summary>
/// <remarks>
/// The metrics are exported as in the sidecar (OpenTelemetry, Prometheus exporter), so recording them is measured too.
/// <c>NextAlone*</c> is the stand-in by itself: the middleware's cost is the difference. The HTTP context is reused, as
/// Kestrel reuses it per connection.
/// </remarks>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
public class ProxyStepBenchmarks
{
    private static readonly RequestDelegate Completed = static context =>
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    };

    private static readonly RequestDelegate Yielding = static async context =>
    {
        await Task.Yield();
        context.Response.StatusCode = StatusCodes.Status200OK;
    };

    private ServiceProvider _services = null!;
    private MeterProvider _meters = null!;
    private ResilienceMiddleware _completed = null!;
    private ResilienceMiddleware _yielding = null!;
    private DefaultHttpContext _context = null!;
    private ProxyFeature _proxy = null!;
    private RequestTransformContext _requestTransform = null!;
    private ResponseTransformContext _responseTransform = null!;

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _meters = Sdk.CreateMeterProviderBuilder().AddMeter(SidecarMetrics.MeterName).AddPrometheusExporter().Build()!;
        var registry = new ClusterResilienceRegistry(TimeProvider.System, NullLogger<ClusterResilienceRegistry>.Instance);
        var metrics = new SidecarMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), registry);
        _completed = new ResilienceMiddleware(Completed, registry, null!, metrics, TimeProvider.System, NullLogger<ResilienceMiddleware>.Instance);
        _yielding = new ResilienceMiddleware(Yielding, registry, null!, metrics, TimeProvider.System, NullLogger<ResilienceMiddleware>.Instance);

        var destination = new DestinationState("d1");
        _proxy = new ProxyFeature(new ClusterModel(new Yarp.ReverseProxy.Configuration.ClusterConfig { ClusterId = "backend" }, new HttpMessageInvoker(new SocketsHttpHandler())), destination);
        _context = new DefaultHttpContext();
        _context.Request.Method = HttpMethods.Get;
        _context.Request.Path = "/orders/42";
        _context.Request.Headers.Host = "orders";
        _context.Request.Headers.UserAgent = "wrk";
        _context.Request.Headers.Accept = "*/*";
        _context.Features.Set<IReverseProxyFeature>(_proxy);

        // YARP copies the caller's headers before it runs the transforms.
        var proxyRequest = new HttpRequestMessage();
        foreach (var header in _context.Request.Headers)
        {
            proxyRequest.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string>)header.Value);
        }

        _requestTransform = new RequestTransformContext
        {
            HttpContext = _context,
            ProxyRequest = proxyRequest,
            Path = _context.Request.Path,
            DestinationPrefix = "http://127.0.0.1:8080/",
            HeadersCopied = true,
        };
        var upstream = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        upstream.Headers.TryAddWithoutValidation("Date", "Sat, 05 Dec 2026 16:00:00 GMT");
        upstream.Headers.TryAddWithoutValidation("Server", "nginx");
        upstream.Headers.TryAddWithoutValidation("Connection", "keep-alive");
        _responseTransform = new ResponseTransformContext { HttpContext = _context, ProxyResponse = upstream };
        _context.Response.Headers.ContentType = "text/plain";
        _context.Response.Headers.Date = "Sat, 05 Dec 2026 16:00:00 GMT";
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _meters.Dispose();
        _services.Dispose();
    }

    /// <summary>The forwarder stand-in alone, completing at once.</summary>
    [Benchmark(Baseline = true)]
    public Task NextAloneCompleted() => Completed(_context);

    /// <summary>The resilience middleware with a successful attempt that completes at once.</summary>
    [Benchmark]
    public Task MiddlewareCompleted()
    {
        _proxy.Reset();
        return _completed.InvokeAsync(_context);
    }

    /// <summary>The forwarder stand-in alone, yielding once as a real forward does.</summary>
    [Benchmark]
    public Task NextAloneYielding() => Yielding(_context);

    /// <summary>The resilience middleware with a successful attempt that yields once.</summary>
    [Benchmark]
    public Task MiddlewareYielding()
    {
        _proxy.Reset();
        return _yielding.InvokeAsync(_context);
    }

    /// <summary>The request header transform (hop-by-hop and internal headers) on an ordinary request.</summary>
    [Benchmark]
    public ValueTask RequestTransform() => HeaderHygiene.TransformRequest(_requestTransform);

    /// <summary>The response header transforms on an ordinary response.</summary>
    [Benchmark]
    public ValueTask ResponseTransform() => HeaderHygiene.TransformResponse(_responseTransform);

    private sealed class ProxyFeature(ClusterModel cluster, DestinationState destination) : IReverseProxyFeature
    {
        private readonly IReadOnlyList<DestinationState> _all = [destination];

        public RouteModel Route => null!;

        public ClusterModel Cluster { get; set; } = cluster;

        public IReadOnlyList<DestinationState> AllDestinations => _all;

        public IReadOnlyList<DestinationState> AvailableDestinations { get; set; } = [destination];

        public DestinationState? ProxiedDestination { get; set; } = destination;

        public void Reset() => AvailableDestinations = _all;
    }

    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig()
        {
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
        }
    }
}
