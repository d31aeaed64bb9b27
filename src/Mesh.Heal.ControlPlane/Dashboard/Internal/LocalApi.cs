using System.Text;
using Grpc.AspNetCore.Server;

namespace Mesh.Heal.ControlPlane.Dashboard.Internal;

/// <summary>Calls the JSON API's GET endpoints in process, through the very endpoint a client would reach (the gRPC JSON
/// transcoding, its auth interceptor included), so that an event's data is exactly the JSON the matching GET returns.</summary>
internal sealed class LocalApi(EndpointDataSource endpoints, IServiceScopeFactory scopes)
{
    private readonly Dictionary<string, Endpoint> _found = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>GETs the transcoded endpoint of gRPC method <paramref name="method"/> (its full name) with <paramref name="query"/>
    /// (e.g. <c>?limit=100</c>) and the caller's <paramref name="authorization"/> header.</summary>
    /// <returns>The HTTP status and the body.</returns>
    public async Task<(int Status, string Body)> GetAsync(string method, string query, string? authorization, CancellationToken cancellationToken)
    {
        var endpoint = Find(method);
        await using var scope = scopes.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider, RequestAborted = cancellationToken };
        context.Request.Method = HttpMethods.Get;
        context.Request.Scheme = "http";
        context.Request.Path = endpoint is RouteEndpoint route ? route.RoutePattern.RawText ?? "/" : "/";
        context.Request.QueryString = new QueryString(query);
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        using var body = new MemoryStream();
        context.Response.Body = body;
        context.SetEndpoint(endpoint);
        await endpoint.RequestDelegate!(context);
        await context.Response.CompleteAsync();
        return (context.Response.StatusCode, Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length));
    }

    private Endpoint Find(string method)
    {
        lock (_lock)
        {
            if (!_found.TryGetValue(method, out var endpoint))
            {
                endpoint = endpoints.Endpoints.FirstOrDefault(e =>
                        e.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName == method
                        && e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(HttpMethods.Get) == true)
                    ?? throw new InvalidOperationException($"no GET endpoint transcodes {method}");
                _found[method] = endpoint;
            }

            return endpoint;
        }
    }
}
