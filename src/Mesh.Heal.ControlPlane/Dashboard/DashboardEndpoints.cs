using System.Text.Json;
using Grpc.Core;
using Mesh.Heal.ControlPlane.Auth;
using Mesh.Heal.ControlPlane.Dashboard.Internal;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Dashboard;

/// <summary>Maps the dashboard: the page's embedded files under <c>/dashboard/</c> and the live <c>/v1/events</c> stream.</summary>
/// <remarks>
/// <para>The files hold no data and need no token; <c>/</c> and <c>/dashboard</c> redirect to <c>/dashboard/</c>. Every
/// answer carries <c>Cache-Control: no-cache</c>, so a new control plane's page is picked up at once.</para>
/// <para><c>/v1/events</c> is authorized as the read calls are (<see cref="AuthInterceptor.AuthorizeAsync(string, string?, CancellationToken)"/>):
/// 401 without a valid token, 403 for a sidecar token. Each event's data is what the matching GET returns for the same token,
/// shared between connections with that token for half a refresh interval (<see cref="AnswerCache"/>).</para>
/// </remarks>
internal static class DashboardEndpoints
{
    /// <summary>The events, in the order each round sends them, with the gRPC method and query of the GET that answers them.</summary>
    public static readonly IReadOnlyList<(string Kind, string Method, string Query)> Events =
    [
        ("status", "/meshheal.v1.MeshControl/GetStatus", ""),
        ("topology", "/meshheal.v1.MeshControl/GetTopology", ""),
        ("issues", "/meshheal.v1.MeshControl/ListIssues", "?limit=100"),
        ("actions", "/meshheal.v1.MeshControl/ListActions", "?limit=100"),
        ("audit", "/meshheal.v1.MeshControl/ListAudit", "?limit=100"),
        ("report", "/meshheal.v1.MeshControl/GetReport", ""),
    ];

    private static readonly string[] Kinds = Events.Select(e => e.Kind).ToArray();

    /// <summary>Maps the page and the event stream.</summary>
    public static IEndpointRouteBuilder MapMeshHealDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Results.Redirect("/dashboard/"));
        // Routing matches /dashboard/ to this route too (a trailing slash is ignored): only the bare name redirects.
        app.MapGet("/dashboard", (HttpContext context, DashboardFiles files) =>
            context.Request.Path.Value?.EndsWith('/') == true ? ServeFile(string.Empty, context, files) : Results.Redirect("/dashboard/"));
        app.MapGet("/dashboard/{**path}", ServeFile);
        app.MapGet(AuthInterceptor.EventsPath, StreamEventsAsync);
        return app;
    }

    private static IResult ServeFile(string? path, HttpContext context, DashboardFiles files)
    {
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        path ??= string.Empty;
        return files.Open(path) is { } stream
            ? Results.Stream(stream, DashboardFiles.ContentType(path.Length == 0 ? "index.html" : path))
            : Results.NotFound();
    }

    private static async Task StreamEventsAsync(
        HttpContext context, AuthInterceptor auth, LocalApi api, AnswerCache answers, IOptions<DashboardOptions> options, TimeProvider time,
        IHostApplicationLifetime lifetime)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var header = authorization.Length == 0 ? null : authorization;
        var cancellation = context.RequestAborted;
        Status refusal;
        try
        {
            (_, refusal) = await auth.AuthorizeAsync(AuthInterceptor.EventsPath, header, cancellation);
        }
        catch (RpcException ex)
        {
            refusal = ex.Status;
        }

        if (refusal.StatusCode != StatusCode.OK)
        {
            // The same body as the transcoded API's errors: {"code":..,"message":..,"details":[]}.
            context.Response.StatusCode = refusal.StatusCode switch
            {
                StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
                StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
                _ => StatusCodes.Status503ServiceUnavailable,
            };
            await context.Response.WriteAsJsonAsync(new { code = (int)refusal.StatusCode, message = refusal.Detail, details = Array.Empty<object>() }, cancellation);
            return;
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        await context.Response.Body.FlushAsync(cancellation);

        // A stream never ends by itself: stopping the host ends it, rather than waiting out the shutdown timeout.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellation, lifetime.ApplicationStopping);
        cancellation = stopping.Token;
        await EventLoop.RunAsync(
            Kinds,
            async (kind, ct) =>
            {
                var (_, method, query) = Events.First(e => e.Kind == kind);
                var (status, body) = await answers.GetAsync(method, query, header, options.Value.RefreshInterval / 2, () => api.GetAsync(method, query, header, ct));
                return status switch
                {
                    StatusCodes.Status200OK => OneLine(body),
                    StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden => throw new UnauthorizedAccessException(body),
                    _ => null,
                };
            },
            async (text, ct) =>
            {
                await context.Response.WriteAsync(text, ct);
                await context.Response.Body.FlushAsync(ct);
            },
            options.Value,
            time,
            cancellation);
    }

    // The transcoded JSON is written on one line already; a data: field must not hold a line break.
    private static string OneLine(string json) => json.Contains('\n', StringComparison.Ordinal)
        ? JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement)
        : json;
}
