using System.Diagnostics;
using System.Net;
using Mesh.Heal.Sidecar.Resilience;
using Mesh.Heal.Sidecar.Telemetry.Internal;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Heal.Sidecar.Forwarding.Internal;

/// <summary>Forwards a request to one address with YARP's forwarder, without a cluster: no breaker, retry or fallback.</summary>
/// <remarks>
/// For traffic the sidecar only carries: intercepted requests for no known cluster (passed through to their original
/// destination) and inbound requests to the application. The caller's Host is kept, as the connection was meant for
/// that host. Each request is counted in <c>meshheal.requests</c> and <c>meshheal.request.duration</c> under its own
/// cluster label (<see cref="PassThroughLabel"/>, <see cref="InboundLabel"/>), the same outcomes as a cluster's.
/// </remarks>
internal sealed class DirectForwarder : IDisposable
{
    /// <summary>The cluster label of requests passed through to their original destination.</summary>
    public const string PassThroughLabel = "passthrough";

    /// <summary>The cluster label of inbound requests forwarded to the application.</summary>
    public const string InboundLabel = "inbound";

    private readonly IHttpForwarder _forwarder;
    private readonly SidecarMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectTimeout = TimeSpan.FromSeconds(15),
    });

    public DirectForwarder(IHttpForwarder forwarder, SidecarMetrics metrics, TimeProvider time)
    {
        _forwarder = forwarder;
        _metrics = metrics;
        _time = time;
    }

    /// <summary>Forwards the request to <paramref name="destinationPrefix"/> (<c>http://host:port</c>) plus its path and query.</summary>
    public async Task ForwardAsync(HttpContext context, string destinationPrefix, string label)
    {
        var start = _time.GetTimestamp();
        var error = await _forwarder.SendAsync(context, destinationPrefix, _client, ForwarderRequestConfig.Empty, KeepHostTransformer.Instance).ConfigureAwait(false);
        var outcome = error switch
        {
            ForwarderError.None => context.Response.StatusCode >= 500 ? RequestOutcome.Failure : RequestOutcome.Success,
            ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
                or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient => RequestOutcome.ClientAborted,
            _ => RequestOutcome.Failure,
        };
        _metrics.RecordRequest(label, outcome, _time.GetElapsedTime(start));
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The default transform, and the caller's Host instead of the destination's.</summary>
    private sealed class KeepHostTransformer : HttpTransformer
    {
        public static readonly KeepHostTransformer Instance = new();

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
            if (httpContext.Request.Host.HasValue)
            {
                proxyRequest.Headers.Host = httpContext.Request.Host.Value;
            }
        }
    }
}
