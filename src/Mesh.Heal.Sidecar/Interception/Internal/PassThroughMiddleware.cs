using Mesh.Heal.Sidecar.Forwarding.Internal;

namespace Mesh.Heal.Sidecar.Interception.Internal;

/// <summary>After routing: a request on a redirected connection that no route took is passed through to its original destination.</summary>
/// <remarks>Any other request without a route goes on and gets the answer it always got.</remarks>
internal sealed class PassThroughMiddleware
{
    private readonly RequestDelegate _next;
    private readonly DirectForwarder _forwarder;

    public PassThroughMiddleware(RequestDelegate next, DirectForwarder forwarder)
    {
        _next = next;
        _forwarder = forwarder;
    }

    public Task InvokeAsync(HttpContext context) =>
        context.GetEndpoint() is null && context.Features.Get<OriginalDestinationFeature>() is { } original
            ? _forwarder.ForwardAsync(context, original.Prefix, DirectForwarder.PassThroughLabel)
            : _next(context);
}
