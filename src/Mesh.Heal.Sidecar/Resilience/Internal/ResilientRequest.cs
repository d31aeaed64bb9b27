using System.Net.Sockets;
using Mesh.Heal.Policy;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>The per-request state of the resilience middleware, also published as a request feature.</summary>
/// <remarks>
/// The response transform and the outlier policy run inside the YARP pipeline and read it from
/// <c>HttpContext.Features</c>. With each attempt's timeout source, it is what the middleware allocates per request.
/// </remarks>
internal sealed class ResilientRequest
{
    private readonly TimeProvider _time;
    private readonly CancellationToken _callerAborted;
    private readonly CallerBodyStream? _body;
    private CancellationTokenSource? _timeout;
    private IReadOnlyList<DestinationState> _candidates;

    public ResilientRequest(HttpContext context, IReverseProxyFeature proxy, ClusterResilience cluster, RequestDelegate next, TimeProvider time)
    {
        Context = context;
        Proxy = proxy;
        _candidates = proxy.AvailableDestinations;
        Destinations = _candidates.Count;
        Cluster = cluster;
        Policy = cluster.Policy;
        Next = next;
        _time = time;
        _callerAborted = context.RequestAborted;
        var hasBody = HasBody(context);
        SafeToResend = IsIdempotent(context.Request.Method) && !hasBody;
        if (hasBody)
        {
            _body = new CallerBodyStream(context.Request.Body);
            context.Request.Body = _body;
        }
    }

    public HttpContext Context { get; }

    public IReverseProxyFeature Proxy { get; }

    public ClusterResilience Cluster { get; }

    /// <summary>The policy in force when the request arrived; a policy change mid-request does not affect it.</summary>
    public ClusterPolicy Policy { get; }

    public RequestDelegate Next { get; }

    /// <summary>How many destinations were available when the request arrived.</summary>
    public int Destinations { get; }

    /// <summary>The destination the last attempt went to, or null when it reached none.</summary>
    public string? AttemptDestination => Proxy.ProxiedDestination?.DestinationId;

    /// <summary>Idempotent and without a body: may be sent again (retry, or the fallback after a failure).</summary>
    public bool SafeToResend { get; }

    public int Attempt { get; private set; }

    /// <summary>The last attempt failed before anything reached the upstream (refused, no destination), so any method may be sent again.</summary>
    public bool NeverReachedUpstream { get; private set; }

    /// <summary>A retry was taken from the budget when a 5xx body was held back.</summary>
    public bool RetryReserved { get; set; }

    /// <summary>The body of a 5xx was held back so that a retry or the fallback can still answer.</summary>
    public bool BodySuppressed { get; set; }

    /// <summary>The request is being served by the fallback cluster.</summary>
    public bool InFallback { get; set; }

    /// <summary>Whether the current attempt ran out of time waiting on the upstream (the caller still waiting, its body delivered).</summary>
    public bool AttemptTimedOut => _timeout is { IsCancellationRequested: true } && !_callerAborted.IsCancellationRequested && _body is not { CallerFailed: true };

    /// <summary>Why the last attempt failed on the caller's side, or <see cref="CallerError.None"/>.</summary>
    public CallerError CallerError { get; private set; }

    /// <summary>Decides, when the upstream answered 5xx, whether to hold the body back for a retry or the fallback.</summary>
    public bool ShouldSuppressFailedBody()
    {
        if (InFallback || !SafeToResend)
        {
            return false;
        }

        if (Policy.Fallback is not null)
        {
            return true;
        }

        if (Attempt < Policy.Retry.MaxAttempts && Cluster.TryAcquireRetry())
        {
            RetryReserved = true;
            return true;
        }

        return false;
    }

    /// <summary>Sends the request to the primary once, under the cluster's timeout, and classifies the outcome.</summary>
    public async ValueTask<AttemptResult> RunAttemptAsync()
    {
        Attempt++;
        RetryReserved = false;
        BodySuppressed = false;
        CallerError = CallerError.None;
        NeverReachedUpstream = false;
        var context = Context;
        context.Features.Set<IForwarderErrorFeature>(null);
        using var timeout = new CancellationTokenSource(Policy.Timeout, _time);
        using var link = _callerAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeout);
        _timeout = timeout;
        context.RequestAborted = timeout.Token;
        var start = _time.GetTimestamp();
        try
        {
            await Next(context).ConfigureAwait(false);
        }
        finally
        {
            context.RequestAborted = _callerAborted;
        }

        var result = Classify(timeout.IsCancellationRequested, _time.GetElapsedTime(start));
        _timeout = null;
        if (result == AttemptResult.ClientAborted && CallerError == CallerError.None)
        {
            CallerError = CallerError.Aborted;
        }

        return result;
    }

    /// <summary>Clears what a failed attempt left on the response and steers the retry away from the destination that failed.</summary>
    public void ResetForRetry()
    {
        Context.Response.Clear();

        // Load balancing narrowed AvailableDestinations to the one it picked: start again from this request's candidates.
        var failed = Proxy.ProxiedDestination;
        if (failed is not null && _candidates.Count > 1)
        {
            var others = new List<DestinationState>(_candidates.Count - 1);
            foreach (var destination in _candidates)
            {
                if (!ReferenceEquals(destination, failed))
                {
                    others.Add(destination);
                }
            }

            _candidates = others;
        }

        Proxy.AvailableDestinations = _candidates;
    }

    private AttemptResult Classify(bool timedOut, TimeSpan elapsed)
    {
        // A failure the upstream answered counts even when the caller hung up right after reading it.
        if (UpstreamFailure.IsAnsweredFailure(Context))
        {
            return AttemptResult.ServerError;
        }

        var forwarderError = Context.Features.Get<IForwarderErrorFeature>();

        if (_callerAborted.IsCancellationRequested)
        {
            return AttemptResult.ClientAborted;
        }

        if (forwarderError is { } error)
        {
            // Time ran out while the sidecar was still waiting for the caller's body: the caller is slow, the upstream
            // never had the whole request.
            if (timedOut && _body is { CallerFailed: true })
            {
                CallerError = CallerError.SlowBody;
                return AttemptResult.ClientAborted;
            }

            // Past that, a "caller-side" error under an expired timeout is the timeout's cancellation seen by YARP.
            if (timedOut)
            {
                return AttemptResult.Timeout;
            }

            if (error.Error.IsCausedByClient())
            {
                CallerError = error.Error is ForwarderError.RequestBodyClient ? CallerError.BadBody : CallerError.Aborted;
                return AttemptResult.ClientAborted;
            }

            switch (error.Error)
            {
                case ForwarderError.RequestTimedOut:
                    return AttemptResult.Timeout;
                case ForwarderError.NoAvailableDestinations:
                    NeverReachedUpstream = true;
                    return AttemptResult.TransportError;
                default:
                    NeverReachedUpstream = IsConnectFailure(error.Exception);
                    return AttemptResult.TransportError;
            }
        }

        return Policy.CircuitBreaker.SlowCallDuration is { } slow && elapsed >= slow ? AttemptResult.Slow : AttemptResult.Success;
    }

    internal static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
        || HttpMethods.IsTrace(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);

    private static bool HasBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength is > 0;

    private static bool IsConnectFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError })
            {
                return true;
            }

            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable })
            {
                return true;
            }
        }

        return false;
    }
}
