using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>What counts as the upstream's failure, shared by the breaker and outlier ejection.</summary>
internal static class UpstreamFailure
{
    private const string GrpcStatus = "grpc-status";

    /// <summary>Whether YARP's error came from the caller's side (it went away or sent a broken body), not the upstream's.</summary>
    public static bool IsCausedByClient(this ForwarderError error) =>
        error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
            or ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyClient
            or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseClient
            or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled;

    /// <summary>Whether the upstream answered with a failure: a failed response that was forwarded without error, or a gRPC
    /// failure status the caller had been sent before it hung up.</summary>
    /// <remarks>A gRPC client resets the stream as soon as a trailers-only answer (the status in its headers) has ended the
    /// call, and YARP may then record the caller's reset; the failure is the upstream's all the same. Only a gRPC answer is
    /// read past a caller-side error: its content type can only have come from the upstream, where a 502 may be YARP's own.</remarks>
    public static bool IsAnsweredFailure(HttpContext context) =>
        context.Features.Get<IForwarderErrorFeature>() is not { } error
            ? IsFailedResponse(context)
            : error.Error.IsCausedByClient() && IsGrpc(context.Response) && IsFailedResponse(context);

    /// <summary>Whether the upstream's answer is a failure: a 5xx, or a gRPC call that ended in a server-side error.</summary>
    /// <remarks>
    /// gRPC reports errors in a <c>grpc-status</c> trailer (or header, for a trailers-only answer) on a 200. UNKNOWN,
    /// DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE and DATA_LOSS are the upstream's failures; codes such as NOT_FOUND or
    /// INVALID_ARGUMENT are answers about the request and count as successes.
    /// </remarks>
    public static bool IsFailedResponse(HttpContext context)
    {
        var response = context.Response;
        if (response.StatusCode >= 500)
        {
            return true;
        }

        if (!IsGrpc(response))
        {
            return false;
        }

        var status = response.Headers[GrpcStatus];
        if (StringValues.IsNullOrEmpty(status) && context.Features.Get<IHttpResponseTrailersFeature>() is { } trailers)
        {
            status = trailers.Trailers[GrpcStatus];
        }

        return status.Count == 1 && status[0] is "2" or "4" or "13" or "14" or "15";
    }

    private static bool IsGrpc(HttpResponse response) =>
        response.ContentType is { } contentType && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
}
