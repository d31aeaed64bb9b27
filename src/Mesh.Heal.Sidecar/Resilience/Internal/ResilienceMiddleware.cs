using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Telemetry.Internal;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>The proxy-pipeline step that enforces a cluster's breaker, timeout, retries and fallback.</summary>
/// <remarks>
/// It wraps the rest of YARP's pipeline (load balancing, passive health, forwarding), so each retry picks a
/// destination afresh and the fallback cluster is served by the same machinery through
/// <c>ReassignProxyRequest</c>. Nothing here holds a lock across an await.
/// </remarks>
internal sealed partial class ResilienceMiddleware
{
    /// <summary>The header that marks a response served by a fallback: the cluster id, or <c>response</c>.</summary>
    public const string FallbackHeader = "x-meshheal-fallback";

    /// <summary>The header on a 503 sent because the breaker is open and no fallback is configured.</summary>
    public const string BreakerHeader = "x-meshheal-breaker";

    private readonly RequestDelegate _next;
    private readonly ClusterResilienceRegistry _registry;
    private readonly IProxyStateLookup _lookup;
    private readonly SidecarMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ResilienceMiddleware(
        RequestDelegate next,
        ClusterResilienceRegistry registry,
        IProxyStateLookup lookup,
        SidecarMetrics metrics,
        TimeProvider time,
        ILogger<ResilienceMiddleware> logger)
    {
        _next = next;
        _registry = registry;
        _lookup = lookup;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        // One async frame on the success path (each frame that awaits the forwarder is an allocation per request): the
        // first attempt is awaited here, and only a failure goes on to the retry and fallback path.
        var proxy = context.GetReverseProxyFeature();
        var cluster = _registry.Get(proxy.Cluster.Config.ClusterId);
        var request = new ResilientRequest(context, proxy, cluster, _next, _time);
        context.Features.Set(request);
        cluster.OnRequest();
        var start = _time.GetTimestamp();
        RequestOutcome outcome;
        if (!cluster.ShouldTryPrimary() && request.Policy.Fallback is { } fallback)
        {
            outcome = await FallbackAsync(request, fallback).ConfigureAwait(false);
        }
        else
        {
            var result = await cluster.ExecuteAsync(static r => r.RunAttemptAsync(), request, static r => (r.AttemptDestination, r.Destinations)).ConfigureAwait(false);
            _metrics.RecordAttempt(cluster.ClusterId, result);
            outcome = result switch
            {
                _ when result.NeedsFallback() => await RecoverAsync(request, result).ConfigureAwait(false),
                AttemptResult.ClientAborted => OnCallerError(request),
                _ => RequestOutcome.Success,
            };
        }

        var elapsed = _time.GetElapsedTime(start);
        // A caller that hangs up while waiting is the sign of a slow upstream, and its wait counts; a caller whose own
        // body held the request up says nothing about the upstream's latency.
        cluster.OnCompleted(outcome, elapsed, callerCaused: request.CallerError is CallerError.SlowBody or CallerError.BadBody);
        _metrics.RecordRequest(cluster.ClusterId, outcome, elapsed);
    }

    /// <summary>After a failed attempt: retries within the budget, then the fallback, or the failure passed on.</summary>
    private async ValueTask<RequestOutcome> RecoverAsync(ResilientRequest request, AttemptResult result)
    {
        var context = request.Context;
        var cluster = request.Cluster;
        var policy = request.Policy;
        while (result.NeedsFallback())
        {
            if (result == AttemptResult.Rejected)
            {
                break;
            }

            if (context.Response.HasStarted || !(request.SafeToResend || request.NeverReachedUpstream))
            {
                // The caller already has part of the answer, or the request may have had effects: pass the failure on.
                return RequestOutcome.Failure;
            }

            if (!(request.Attempt < policy.Retry.MaxAttempts && (request.RetryReserved || cluster.TryAcquireRetry())))
            {
                break;
            }

            request.ResetForRetry();
            _metrics.RecordRetry(cluster.ClusterId);
            result = await cluster.ExecuteAsync(static r => r.RunAttemptAsync(), request, static r => (r.AttemptDestination, r.Destinations)).ConfigureAwait(false);
            _metrics.RecordAttempt(cluster.ClusterId, result);
        }

        if (!result.NeedsFallback())
        {
            return result == AttemptResult.ClientAborted ? OnCallerError(request) : RequestOutcome.Success;
        }

        if (policy.Fallback is { } fallback)
        {
            return await FallbackAsync(request, fallback).ConfigureAwait(false);
        }

        if (result == AttemptResult.Rejected || request.BodySuppressed)
        {
            await WriteUnavailableAsync(context, policy, result).ConfigureAwait(false);
        }

        return RequestOutcome.Failure;
    }

    private async ValueTask<RequestOutcome> FallbackAsync(ResilientRequest request, FallbackPolicy fallback)
    {
        var context = request.Context;
        if (context.Response.HasStarted)
        {
            return RequestOutcome.Failure;
        }

        var cluster = request.Cluster;
        context.Response.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);
        cluster.CountFallback();
        _metrics.RecordFallback(cluster.ClusterId, fallback.HeaderValue);

        if (fallback.Response is { } response)
        {
            var safe = SafeFallbackResponse.For(response, out var created);
            if (created && safe.Dropped is { } dropped)
            {
                LogFallbackResponseUnsafe(_logger, cluster.ClusterId, dropped);
            }

            context.Response.Headers[FallbackHeader] = fallback.HeaderValue;
            await safe.WriteAsync(context.Response, HttpMethods.IsHead(context.Request.Method), context.RequestAborted).ConfigureAwait(false);
            return RequestOutcome.Fallback;
        }

        if (!_lookup.TryGetCluster(fallback.Cluster!, out var target))
        {
            LogFallbackClusterMissing(_logger, cluster.ClusterId, fallback.Cluster!);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return RequestOutcome.Failure;
        }

        request.InFallback = true;
        context.ReassignProxyRequest(target);
        context.Response.Headers[FallbackHeader] = fallback.HeaderValue;
        await _next(context).ConfigureAwait(false);
        var failed = context.Features.Get<IForwarderErrorFeature>() is not null || context.Response.StatusCode >= 500;
        return failed ? RequestOutcome.Failure : RequestOutcome.Fallback;
    }

    private RequestOutcome OnCallerError(ResilientRequest request)
    {
        var reason = request.CallerError;
        request.Cluster.CountCallerError();
        _metrics.RecordCallerError(request.Cluster.ClusterId, reason);
        var response = request.Context.Response;
        if (reason == CallerError.SlowBody && !response.HasStarted)
        {
            // The caller is still connected but did not send its body in time: tell it so, and do not wait for the rest.
            response.Clear();
            response.StatusCode = StatusCodes.Status408RequestTimeout;
            response.Headers.Connection = "close";
        }

        return RequestOutcome.ClientAborted;
    }

    private static Task WriteUnavailableAsync(HttpContext context, ClusterPolicy policy, AttemptResult result)
    {
        var response = context.Response;
        var upstreamStatus = response.StatusCode;
        response.Clear();
        if (result == AttemptResult.Rejected)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers[BreakerHeader] = "open";
            response.Headers.RetryAfter = ((int)Math.Ceiling(policy.CircuitBreaker.BreakDuration.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        }

        // The 5xx body was held back for a retry that the breaker then refused: keep the upstream's status.
        response.StatusCode = upstreamStatus >= 500 ? upstreamStatus : StatusCodes.Status502BadGateway;
        return Task.CompletedTask;
    }
}
