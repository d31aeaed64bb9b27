namespace Mesh.Heal.Policy;

/// <summary>A static response served by a fallback.</summary>
public sealed record FallbackResponse
{
    /// <summary>The status code. Default 503; accepted 200 to 599 (204, 205 and 304 without a body).</summary>
    public int StatusCode { get; init; } = PolicyConstants.DefaultFallbackStatusCode;

    /// <summary>The content type. Default <c>text/plain; charset=utf-8</c>.</summary>
    public string ContentType { get; init; } = PolicyConstants.DefaultFallbackContentType;

    private byte[]? _bodyUtf8;

    /// <summary>The body, sent as UTF-8. Default empty.</summary>
    public string Body { get; init; } = string.Empty;

    /// <summary>The body encoded once, for the request path.</summary>
    public ReadOnlyMemory<byte> BodyUtf8 => _bodyUtf8 ??= System.Text.Encoding.UTF8.GetBytes(Body);

    /// <summary>Extra response headers. Default none.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = EmptyHeaders;

    private static readonly IReadOnlyDictionary<string, string> EmptyHeaders = new Dictionary<string, string>();

    /// <inheritdoc/>
    public bool Equals(FallbackResponse? other) =>
        other is not null
        && StatusCode == other.StatusCode
        && ContentType == other.ContentType
        && Body == other.Body
        && Headers.Count == other.Headers.Count
        && Headers.All(h => other.Headers.TryGetValue(h.Key, out var v) && v == h.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(StatusCode, ContentType, Body, Headers.Count);
}
