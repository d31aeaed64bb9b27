using System.ComponentModel.DataAnnotations;

namespace Mesh.Heal.ControlPlane.Auth;

/// <summary>Sidecar credentials that are Kubernetes service-account tokens, verified with a TokenReview
/// (<c>POST /apis/authentication.k8s.io/v1/tokenreviews</c>) on the API server of <c>ControlPlane:Kubernetes</c>.</summary>
/// <remarks>
/// <c>system:serviceaccount:&lt;namespace&gt;:&lt;name&gt;</c> maps to the service of <see cref="Services"/>
/// (<c>&lt;namespace&gt;/&lt;name&gt;</c>), else to the service named as the service account. A bound token that names
/// its pod binds the instance too (the sidecar's <c>Instance</c> must be the pod name). Answers are cached for
/// <see cref="CacheTtl"/> (refusals for <see cref="NegativeCacheTtl"/>). The control plane's own account needs
/// <c>create</c> on <c>tokenreviews</c> (the <c>system:auth-delegator</c> cluster role).
/// Each <see cref="RangeAttribute"/> is the accepted range, checked at start-up when <see cref="Enabled"/>.
/// </remarks>
public sealed class ServiceAccountOptions
{
    /// <summary>Whether service-account tokens are accepted. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>The audiences the token must be issued for (sent in the review). Default none: the API server's own.</summary>
    public string[] Audiences { get; set; } = [];

    /// <summary>The namespaces whose service accounts may be sidecars. Default none: every namespace (set it).</summary>
    /// <remarks>An account listed in <see cref="Services"/> is accepted whatever its namespace.</remarks>
    public string[] Namespaces { get; set; } = [];

    /// <summary>Service account (<c>&lt;namespace&gt;/&lt;name&gt;</c>) to service. Default none: the account's name is the service.</summary>
    public Dictionary<string, string> Services { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long an accepted token is remembered. Default 30 s; accepted 1 s to 10 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a refused token is remembered. Default 5 s; accepted 0 to 1 min.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan NegativeCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Tokens remembered at most. Default 10,000; accepted 100 to 1,000,000.</summary>
    [Range(100, 1_000_000)]
    public int MaxCacheEntries { get; set; } = 10_000;

    /// <summary>Reviews in flight at most; a call that finds them all busy for <see cref="ReviewTimeout"/> is refused as unavailable. Default 16; accepted 1 to 256.</summary>
    [Range(1, 256)]
    public int MaxConcurrentReviews { get; set; } = 16;

    /// <summary>How long a review may take. Default 5 s; accepted 100 ms to 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:00:30")]
    public TimeSpan ReviewTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
