using System.Runtime.CompilerServices;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>A static fallback response made safe to write whatever its configuration says.</summary>
/// <remarks>
/// The policy validator refuses a response that cannot be served, but a policy reaches the sidecar from three places
/// (local file, control plane, last-known-good state file), so the framing is decided here too: the sidecar computes
/// <c>Content-Length</c> from the body, never writes a framing or hop-by-hop header (<c>Transfer-Encoding</c>,
/// <c>Content-Length</c>, <c>Connection</c>, ...) or an <c>x-meshheal-*</c> header from configuration, drops a header whose
/// name is not a token or whose value is not visible ASCII, answers 503 for a status that cannot carry a fallback
/// (1xx, such as 101, or outside 200-599), and sends no body with 204 and 304. Built once per response and cached.
/// </remarks>
internal sealed class SafeFallbackResponse
{
    private static readonly ConditionalWeakTable<FallbackResponse, SafeFallbackResponse> Cache = new();

    private static readonly string[] Reserved =
    [
        "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade",
        "Content-Type", "HTTP2-Settings",
    ];

    private SafeFallbackResponse(FallbackResponse response)
    {
        var dropped = new List<string>();
        StatusCode = response.StatusCode;
        if (StatusCode is < 200 or > 599)
        {
            dropped.Add($"status {StatusCode} (503 served)");
            StatusCode = StatusCodes.Status503ServiceUnavailable;
        }

        HasBody = StatusCode is not (StatusCodes.Status204NoContent or StatusCodes.Status304NotModified);
        Body = HasBody ? response.BodyUtf8 : ReadOnlyMemory<byte>.Empty;
        if (!HasBody && response.Body.Length > 0)
        {
            dropped.Add($"the body of a {StatusCode}");
        }

        if (IsValidValue(response.ContentType))
        {
            ContentType = response.ContentType;
        }
        else
        {
            dropped.Add("ContentType");
        }

        var headers = new List<KeyValuePair<string, string>>(response.Headers.Count);
        foreach (var (name, value) in response.Headers)
        {
            if (!IsToken(name) || !IsValidValue(value) || IsReserved(name))
            {
                dropped.Add("header " + Printable(name));
                continue;
            }

            headers.Add(new(name, value));
        }

        Headers = headers;
        Dropped = dropped.Count == 0 ? null : string.Join(", ", dropped);
    }

    public int StatusCode { get; }

    public string? ContentType { get; }

    public bool HasBody { get; }

    public ReadOnlyMemory<byte> Body { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>What of the configured response is not served, or null when all of it is.</summary>
    public string? Dropped { get; }

    /// <summary>The safe form of <paramref name="response"/>; <paramref name="created"/> is true the first time it is built.</summary>
    public static SafeFallbackResponse For(FallbackResponse response, out bool created)
    {
        if (Cache.TryGetValue(response, out var safe))
        {
            created = false;
            return safe;
        }

        safe = new SafeFallbackResponse(response);
        created = Cache.TryAdd(response, safe);
        return created ? safe : Cache.GetValue(response, static r => new SafeFallbackResponse(r));
    }

    /// <summary>Writes the response: status, headers, the sidecar's framing and the body (none for HEAD).</summary>
    public Task WriteAsync(HttpResponse response, bool head, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCode;
        foreach (var (name, value) in Headers)
        {
            response.Headers[name] = value;
        }

        if (ContentType is not null && HasBody)
        {
            response.ContentType = ContentType;
        }

        if (!HasBody)
        {
            return Task.CompletedTask;
        }

        response.ContentLength = Body.Length;
        return head || Body.IsEmpty ? Task.CompletedTask : response.Body.WriteAsync(Body, cancellationToken).AsTask();
    }

    private static bool IsReserved(string name)
    {
        if (name.StartsWith("x-meshheal-", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var reserved in Reserved)
        {
            if (string.Equals(name, reserved, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // RFC 9110 5.6.2 token characters.
    private static bool IsToken(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c > 0x7E || c <= 0x20 || "\"(),/:;<=>?@[\\]{}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    // Visible ASCII, space and tab: what Kestrel writes without refusing the response.
    private static bool IsValidValue(string value)
    {
        foreach (var c in value)
        {
            if (c is not ('\t' or (>= ' ' and <= '~')))
            {
                return false;
            }
        }

        return true;
    }

    private static string Printable(string name)
    {
        var chars = name.Length > 64 ? name[..64].ToCharArray() : name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is < ' ' or > '~')
            {
                chars[i] = '?';
            }
        }

        return new string(chars);
    }
}
