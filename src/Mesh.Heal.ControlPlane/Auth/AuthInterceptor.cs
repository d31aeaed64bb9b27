using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Mesh.Heal.ControlPlane.Auth;

/// <summary>Checks the bearer token of every gRPC call (JSON-transcoded calls included) against what the method needs.</summary>
/// <remarks>
/// Each method's requirement is listed here; a method not listed needs an admin token, so a new method is closed until
/// someone decides otherwise. Health checking and reflection are open, as probes and tools expect.
/// </remarks>
internal sealed class AuthInterceptor(TokenAuthenticator authenticator) : Interceptor
{
    /// <summary>The key under which the caller's audit name is kept in <see cref="ServerCallContext.UserState"/>.</summary>
    public const string ActorKey = "meshheal.actor";

    private static readonly Dictionary<string, Role[]?> Requirements = new(StringComparer.Ordinal)
    {
        ["/meshheal.v1.PolicyDiscovery/Stream"] = [Role.Sidecar, Role.Admin],
        ["/meshheal.v1.Telemetry/Report"] = [Role.Sidecar, Role.Admin],
        ["/meshheal.v1.MeshControl/GetStatus"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/GetPolicy"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/ListIssues"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/ListActions"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/ListAudit"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/PutPolicy"] = [Role.Admin],
        ["/meshheal.v1.MeshControl/ApproveAction"] = [Role.Admin],
        ["/meshheal.v1.MeshControl/RejectAction"] = [Role.Admin],
        ["/meshheal.v1.MeshControl/RollbackAction"] = [Role.Admin],
        // Log shippers run beside the sidecars, with their token.
        ["/meshheal.v1.MeshControl/IngestLogs"] = [Role.Sidecar, Role.Admin],
    };

    /// <summary>The audit name of the caller of <paramref name="context"/>.</summary>
    public static string Actor(ServerCallContext context) =>
        context.UserState.TryGetValue(ActorKey, out var actor) ? (string)actor : "anonymous";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var method = context.Method;
        if (method.StartsWith("/grpc.health.v1.", StringComparison.Ordinal) || method.StartsWith("/grpc.reflection.", StringComparison.Ordinal))
        {
            return;
        }

        var caller = authenticator.Authenticate(context.RequestHeaders.GetValue("authorization"));
        if (caller is not { } c)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "a valid bearer token is needed (authorization: Bearer <token>)"));
        }

        var allowed = Requirements.GetValueOrDefault(method) ?? [Role.Admin];
        if (!allowed.Contains(c.Role))
        {
            throw new RpcException(new Status(
                StatusCode.PermissionDenied, $"a {c.Role.ToString().ToLowerInvariant()} token may not call {method}; it needs: {string.Join(" or ", allowed).ToLowerInvariant()}"));
        }

        context.UserState[ActorKey] = c.Actor;
    }
}
