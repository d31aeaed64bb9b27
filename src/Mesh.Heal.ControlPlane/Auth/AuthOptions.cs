namespace Mesh.Heal.ControlPlane.Auth;

/// <summary>Bearer tokens by role: the <c>ControlPlane:Auth</c> section. Each entry is a token, or <c>file:/path</c> for a file with one token per line.</summary>
/// <remarks>
/// A sidecar credential is bound to one service: a token of <see cref="ServiceTokens"/>, or a Kubernetes service-account
/// token reviewed through <see cref="ServiceAccounts"/>. It may open the policy and telemetry streams, and push logs, of
/// that service only.
/// </remarks>
public sealed class AuthOptions
{
    /// <summary>May read the API, change policy and act on actions (and open any service's sidecar streams).</summary>
    public string[] AdminTokens { get; set; } = [];

    /// <summary>May read the API.</summary>
    public string[] ReaderTokens { get; set; } = [];

    /// <summary>Sidecar tokens per service (<c>ServiceTokens:&lt;service&gt;</c>): each may open that service's policy and telemetry streams only.</summary>
    /// <remarks>Default none. Keys are service names; a token may belong to one service only.</remarks>
    public Dictionary<string, string[]> ServiceTokens { get; set; } = new(StringComparer.Ordinal);

    /// <summary>No longer accepted: a sidecar token that is not bound to a service could claim any service.</summary>
    /// <remarks>Setting it stops start-up with an error that names <see cref="ServiceTokens"/> and <see cref="ServiceAccounts"/> instead.</remarks>
    public string[] SidecarTokens { get; set; } = [];

    /// <summary>Kubernetes service-account tokens as sidecar credentials, verified through the TokenReview API.</summary>
    public ServiceAccountOptions ServiceAccounts { get; set; } = new();
}
