using System.Data.Common;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Mesh.Heal.ControlPlane.Store.Internal;

/// <summary>Answers a call that failed because the database could not be used with <see cref="StatusCode.Unavailable"/>
/// (HTTP 503 through JSON transcoding), naming the store, rather than the opaque Unknown (500) of an unhandled exception.</summary>
/// <remarks>Unavailable is what gRPC clients and load balancers retry, on this replica later or on another: a PostgreSQL
/// restart or fail-over is transient, and nothing was acknowledged to the caller.</remarks>
internal sealed class StoreUnavailableInterceptor(MeshStore store) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (DbException ex)
        {
            throw Unavailable(ex);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (DbException ex)
        {
            throw Unavailable(ex);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (DbException ex)
        {
            throw Unavailable(ex);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (DbException ex)
        {
            throw Unavailable(ex);
        }
    }

    private RpcException Unavailable(DbException ex) =>
        new(new Status(StatusCode.Unavailable, $"the store ({store.Description}) is unavailable: {ex.Message}", ex));
}
