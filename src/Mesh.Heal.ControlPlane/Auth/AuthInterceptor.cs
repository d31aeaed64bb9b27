using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Mesh.Heal.ControlPlane.Auth;

/// <summary>Checks the bearer token of every gRPC call (JSON-transcoded calls included) against what the method needs.</summary>
/// <remarks>
/// Each method's requirement is listed here; a method not listed needs an admin token, so a new method is closed until
/// someone decides otherwise. Health checking and reflection are open, as probes and tools expect.
/// </remarks>
internal sealed class AuthInterceptor(TokenAuthenticator authenticator, ServiceAccountReviewer reviewer) : Interceptor
{
    /// <summary>The key under which the <see cref="Caller"/> is kept in <see cref="ServerCallContext.UserState"/>.</summary>
    public const string ActorKey = "meshheal.caller";

    /// <summary>The dashboard's event stream (a plain HTTP endpoint), authorized here as the read calls are.</summary>
    public const string EventsPath = "/v1/events";

    private static readonly Dictionary<string, Role[]?> Requirements = new(StringComparer.Ordinal)
    {
        ["/meshheal.v1.PolicyDiscovery/Stream"] = [Role.Sidecar, Role.Admin],
        ["/meshheal.v1.Telemetry/Report"] = [Role.Sidecar, Role.Admin],
        ["/meshheal.v1.MeshControl/GetStatus"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/GetPolicy"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/ListIssues"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/ListActions"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/ListAudit"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/ListReplicas"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/GetReport"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/GetTopology"] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/GetForecasts"] = [Role.Reader, Role.Admin],
        // The dashboard's server-sent events: the read calls' answers as they change.
        [EventsPath] = [Role.Reader, Role.Admin],
        ["/meshheal.v1.MeshControl/PutPolicy"] = [Role.Admin],
        ["/meshheal.v1.MeshControl/ApproveAction"] = [Role.Admin],
        ["/meshheal.v1.MeshControl/RejectAction"] = [Role.Admin],
        ["/meshheal.v1.MeshControl/RollbackAction"] = [Role.Admin],
        // Log shippers run beside the sidecars, with their token (and may push their own service's logs only).
        ["/meshheal.v1.MeshControl/IngestLogs"] = [Role.Sidecar, Role.Admin],
    };

    /// <summary>The audit name of the caller of <paramref name="context"/>.</summary>
    public static string Actor(ServerCallContext context) => CallerOf(context).Actor;

    /// <summary>The authenticated caller of <paramref name="context"/>; anonymous when the call was not authenticated.</summary>
    public static Caller CallerOf(ServerCallContext context) =>
        context.UserState.TryGetValue(ActorKey, out var caller) && caller is Caller c ? c : Caller.Anonymous;

    /// <summary>Refuses with PermissionDenied unless the caller of <paramref name="context"/> may speak as <paramref name="service"/>/<paramref name="instance"/>.</summary>
    public static Caller Claim(ServerCallContext context, string service, string instance)
    {
        var caller = CallerOf(context);
        return caller.ClaimError(service, instance) is { } error ? throw new RpcException(new Status(StatusCode.PermissionDenied, error)) : caller;
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        return await continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    /// <summary>Authenticates the <c>authorization</c> header and checks that its caller may call <paramref name="method"/>
    /// (a gRPC method's full name, or <see cref="EventsPath"/>).</summary>
    /// <returns>The caller, or the status (Unauthenticated or PermissionDenied) and message to refuse with.</returns>
    /// <exception cref="RpcException">A service-account review could not be made (Unavailable).</exception>
    public async ValueTask<(Caller? Caller, Status Refusal)> AuthorizeAsync(string method, string? authorization, CancellationToken cancellationToken)
    {
        var caller = authenticator.Authenticate(authorization);
        if (caller is null && reviewer.Enabled && TokenAuthenticator.BearerToken(authorization) is { } token)
        {
            caller = await reviewer.ReviewAsync(token, cancellationToken);
        }

        if (caller is null)
        {
            return (null, new Status(StatusCode.Unauthenticated, "a valid bearer token is needed (authorization: Bearer <token>)"));
        }

        var allowed = Requirements.GetValueOrDefault(method) ?? [Role.Admin];
        return allowed.Contains(caller.Role)
            ? (caller, Status.DefaultSuccess)
            : (null, new Status(
                StatusCode.PermissionDenied, $"a {caller.Role.ToString().ToLowerInvariant()} token may not call {method}; it needs: {string.Join(" or ", allowed).ToLowerInvariant()}"));
    }

    private async ValueTask AuthorizeAsync(ServerCallContext context)
    {
        var method = context.Method;
        if (method.StartsWith("/grpc.health.v1.", StringComparison.Ordinal) || method.StartsWith("/grpc.reflection.", StringComparison.Ordinal))
        {
            return;
        }

        var (caller, refusal) = await AuthorizeAsync(method, context.RequestHeaders.GetValue("authorization"), context.CancellationToken);
        context.UserState[ActorKey] = caller ?? throw new RpcException(refusal);
    }
}
