using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>Holds every HTTP/JSON request body to <c>ControlPlane:Limits:MaxMessageBytes</c>, as gRPC holds its messages.</summary>
/// <remarks>
/// A body that says it is larger (<c>Content-Length</c>) is refused with 413 before a byte of it is read; a body without
/// a length (chunked) is cut by Kestrel as soon as it passes the limit, and also answered 413. The answer is the JSON
/// error shape of the transcoded API and names the setting. gRPC calls keep their own per-message limit: a stream's
/// total is not limited here.
/// </remarks>
internal static class RequestBodyLimit
{
    /// <summary>Adds the limit to <paramref name="app"/>'s pipeline.</summary>
    public static void UseRequestBodyLimit(this IApplicationBuilder app, int maxBytes) => app.Use(async (context, next) =>
    {
        if (IsGrpc(context.Request))
        {
            await next(context);
            return;
        }

        if (context.Request.ContentLength is { } length && length > maxBytes)
        {
            await RefuseAsync(context, maxBytes, $"{length} bytes");
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = maxBytes;
        }

        try
        {
            await next(context);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            await RefuseAsync(context, maxBytes, "more bytes than that");
        }
    });

    private static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    private static async Task RefuseAsync(HttpContext context, int maxBytes, string size)
    {
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        context.Response.ContentType = "application/json";

        // The connection may still hold the unread body: closing it is cheaper than draining an attacker's upload.
        context.Response.Headers.Connection = "close";
        var message = $"request body: {size}; accepted: at most {maxBytes} bytes (ControlPlane:Limits:MaxMessageBytes)";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object> { ["code"] = 8, ["message"] = message, ["details"] = Array.Empty<object>() }));
    }
}
