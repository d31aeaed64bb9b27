namespace Mesh.Heal.Policy;

/// <summary>What serves a request when the primary cannot: another cluster, or a static response.</summary>
/// <remarks>Exactly one of <see cref="Cluster"/> and <see cref="Response"/> is set.</remarks>
public sealed record FallbackPolicy
{
    /// <summary>The id of the cluster that serves instead.</summary>
    public string? Cluster { get; init; }

    /// <summary>The static response served instead.</summary>
    public FallbackResponse? Response { get; init; }

    /// <summary>The value of the <c>x-meshheal-fallback</c> header: the cluster id, or <c>response</c>.</summary>
    public string HeaderValue => Cluster ?? "response";
}
