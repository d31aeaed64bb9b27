using System.Net.Http.Headers;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Transforms;

namespace Mesh.Heal.Sidecar.Forwarding.Internal;

/// <summary>Strips hop-by-hop and internal headers both ways, so that neither side can steer the other through the sidecar.</summary>
/// <remarks>
/// YARP drops the fixed hop-by-hop headers (<c>Connection</c>, <c>Keep-Alive</c>, <c>Transfer-Encoding</c>, ...) but
/// forwards the headers a <c>Connection</c> header names, and the fields a request's <c>Trailer</c> header announces;
/// those are the sender's hop only (RFC 9110 7.6.1), and forwarding them lets a caller remove or smuggle headers.
/// <c>x-meshheal-*</c> headers are the sidecar's own: a caller's are not passed to the upstream, and an upstream's are
/// not passed to the caller, so only the sidecar can mark a response as a fallback. The request step runs before
/// YARP's <c>X-Forwarded-*</c> transforms, so naming those in <c>Connection</c> cannot remove what the sidecar adds.
/// Known limit: Kestrel reduces a request's <c>Connection</c> header that carries <c>keep-alive</c>, <c>close</c> or
/// <c>upgrade</c> to that one token before the application sees it, so the other names such a header lists are unknown
/// here and those headers are forwarded.
/// </remarks>
internal static class HeaderHygiene
{
    public const string InternalPrefix = "x-meshheal-";

    public static ValueTask TransformRequest(RequestTransformContext context)
    {
        // YARP copies the caller's headers after the transforms unless one copied them already; RemoveHeader edits
        // whichever set will be sent.
        var incoming = context.HttpContext.Request.Headers;
        var connection = incoming.Connection;
        RemoveNamedIn(context, connection);
        if (incoming.TryGetValue("Trailer", out var trailer))
        {
            RemoveNamedIn(context, trailer);
            RequestTransform.RemoveHeader(context, "Trailer");
        }

        List<string>? remove = null;
        if (context.HeadersCopied)
        {
            foreach (var header in context.ProxyRequest.Headers.NonValidated)
            {
                AddIfInternal(header.Key, ref remove);
            }

            if (context.ProxyRequest.Content is { } content)
            {
                foreach (var header in content.Headers.NonValidated)
                {
                    AddIfInternal(header.Key, ref remove);
                }
            }
        }
        else
        {
            foreach (var header in incoming)
            {
                AddIfInternal(header.Key, ref remove);
            }
        }

        if (remove is not null)
        {
            foreach (var name in remove)
            {
                RequestTransform.RemoveHeader(context, name);
            }
        }

        return default;
    }

    public static ValueTask TransformResponse(ResponseTransformContext context)
    {
        var headers = context.HttpContext.Response.Headers;
        var own = StringValues.Empty;
        if (context.HttpContext.Features.Get<ResilientRequest>() is { InFallback: true } request && request.Policy.Fallback is { } fallback)
        {
            own = fallback.HeaderValue;
        }

        if (context.ProxyResponse is { } upstream)
        {
            // YARP copied the upstream's headers: look for the names among them, read raw (no parsing, no boxed
            // enumerator), rather than enumerate the response's dictionary, which allocates on every request.
            RemoveConnectionNamed(headers, upstream.Headers.NonValidated);
            RemoveInternal(headers, upstream.Headers.NonValidated);
            if (upstream.Content is { } content)
            {
                RemoveInternal(headers, content.Headers.NonValidated);
            }

            if (own.Count == 0)
            {
                headers.Remove(ResilienceMiddleware.FallbackHeader);
            }
        }
        else
        {
            RemoveInternal(headers);
        }

        if (own.Count > 0)
        {
            headers[ResilienceMiddleware.FallbackHeader] = own;
        }

        return default;
    }

    public static ValueTask TransformResponseTrailers(ResponseTrailersTransformContext context)
    {
        var trailers = context.HttpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        if (trailers is not null && context.ProxyResponse is { } upstream)
        {
            RemoveInternal(trailers, upstream.TrailingHeaders.NonValidated);
        }
        else
        {
            RemoveInternal(trailers);
        }

        return default;
    }

    private static void RemoveConnectionNamed(IHeaderDictionary headers, HttpHeadersNonValidated upstream)
    {
        if (!upstream.TryGetValues("Connection", out var values))
        {
            return;
        }

        foreach (var value in values)
        {
            foreach (var range in value.AsSpan().Split(','))
            {
                var name = value.AsSpan()[range].Trim();
                if (!name.IsEmpty && !IsConnectionOption(name))
                {
                    headers.Remove(name.ToString());
                }
            }
        }
    }

    private static void RemoveInternal(IHeaderDictionary headers, HttpHeadersNonValidated upstream)
    {
        foreach (var header in upstream)
        {
            if (header.Key.StartsWith(InternalPrefix, StringComparison.OrdinalIgnoreCase))
            {
                headers.Remove(header.Key);
            }
        }
    }

    private static void RemoveNamedIn(RequestTransformContext context, StringValues list)
    {
        foreach (var value in list)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var range in value.AsSpan().Split(','))
            {
                var name = value.AsSpan()[range].Trim();
                if (!name.IsEmpty && !IsConnectionOption(name))
                {
                    RequestTransform.RemoveHeader(context, name.ToString());
                }
            }
        }
    }

    private static void AddIfInternal(string name, ref List<string>? remove)
    {
        if (name.StartsWith(InternalPrefix, StringComparison.OrdinalIgnoreCase))
        {
            (remove ??= []).Add(name);
        }
    }

    // Options YARP itself acts on (or that name no header): leave them to it.
    private static bool IsConnectionOption(ReadOnlySpan<char> token) =>
        token.Equals("close", StringComparison.OrdinalIgnoreCase) || token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)
        || token.Equals("upgrade", StringComparison.OrdinalIgnoreCase) || token.Equals("te", StringComparison.OrdinalIgnoreCase)
        || token.Equals("http2-settings", StringComparison.OrdinalIgnoreCase);

    private static void RemoveInternal(IHeaderDictionary? headers)
    {
        if (headers is null)
        {
            return;
        }

        List<string>? remove = null;
        foreach (var header in headers)
        {
            AddIfInternal(header.Key, ref remove);
        }

        if (remove is not null)
        {
            foreach (var name in remove)
            {
                headers.Remove(name);
            }
        }
    }
}
