namespace Mesh.Heal.ControlPlane.Auth;

/// <summary>Who presented a bearer token, and what the token may claim.</summary>
/// <param name="Role">What the token may do.</param>
/// <param name="Actor">The caller's name in the audit log: role and a fingerprint, never the token.</param>
/// <param name="Credential">What identifies the credential itself (a token's SHA-256, or the pod of a service-account token), so that a
/// stream can be replaced only by the credential that opened it.</param>
/// <param name="Service">The one service a sidecar credential may claim; null for an admin, who may claim any.</param>
/// <param name="Instance">The one instance a credential may claim (the pod of a bound service-account token), or null for any.</param>
internal sealed record Caller(Role Role, string Actor, string Credential, string? Service = null, string? Instance = null)
{
    /// <summary>The caller when authentication is off.</summary>
    public static readonly Caller Anonymous = new(Role.Admin, "anonymous", "anonymous");

    /// <summary>Why this caller may not speak as <paramref name="service"/>/<paramref name="instance"/>, or null when it may.</summary>
    public string? ClaimError(string service, string instance)
    {
        if (Role == Role.Admin)
        {
            return null;
        }

        if (Role != Role.Sidecar || Service is null)
        {
            return $"identity.service: a {Role.ToString().ToLowerInvariant()} credential may not speak for a service; accepted: a sidecar credential of the service";
        }

        if (!string.Equals(service, Service, StringComparison.Ordinal))
        {
            return $"identity.service: '{service}' is not the service of this credential; accepted: '{Service}' (a sidecar credential speaks for its own service only)";
        }

        return Instance is not null && !string.Equals(instance, Instance, StringComparison.Ordinal)
            ? $"identity.instance: '{instance}' is not the pod of this service-account token; accepted: '{Instance}'"
            : null;
    }
}
