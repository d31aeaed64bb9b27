using System.Security.Cryptography;
using System.Text;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.Policy;

namespace Mesh.Heal.ControlPlane.Auth;

/// <summary>Maps configured bearer tokens to roles, and sidecar tokens to their one service.</summary>
/// <remarks>
/// Tokens are kept only as SHA-256 hashes and looked up by hash, so the comparison takes the same time whatever the
/// token. The actor written to the audit log is the role and the first 8 hex digits of the hash, never the token.
/// With no tokens at all (and no service-account tokens), authentication is off and every caller is an anonymous admin
/// (the host then refuses to listen beyond loopback).
/// </remarks>
internal sealed class TokenAuthenticator
{
    private const string Scheme = "Bearer ";
    private readonly Dictionary<string, Caller> _callers = new(StringComparer.Ordinal);
    private bool _serviceAccounts;

    private TokenAuthenticator()
    {
    }

    /// <summary>Whether any credential is configured.</summary>
    public bool Enabled => _callers.Count > 0 || _serviceAccounts;

    /// <summary>Reads the tokens of every role; a <c>file:</c> entry is read as one token per line.</summary>
    public static (TokenAuthenticator Authenticator, IReadOnlyList<PolicyError> Errors) Create(AuthOptions options)
    {
        var authenticator = new TokenAuthenticator { _serviceAccounts = options.ServiceAccounts.Enabled };
        var errors = new List<PolicyError>();
        if (options.SidecarTokens.Length > 0)
        {
            errors.Add(new(
                "ControlPlane:Auth:SidecarTokens",
                "is no longer accepted: a sidecar token that names no service could speak for any service; accepted: " +
                "ControlPlane:Auth:ServiceTokens:<service> (tokens bound to one service) or ControlPlane:Auth:ServiceAccounts (Kubernetes service-account tokens)"));
        }

        authenticator.Add(Role.Reader, null, options.ReaderTokens, "ControlPlane:Auth:ReaderTokens", errors);
        authenticator.Add(Role.Admin, null, options.AdminTokens, "ControlPlane:Auth:AdminTokens", errors);
        foreach (var (service, tokens) in options.ServiceTokens.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var field = "ControlPlane:Auth:ServiceTokens:" + service;
            if (!PolicyDocument.IsServiceName(service))
            {
                errors.Add(new(field, $"'{service}' is not a service name; accepted: {PolicyDocument.ServiceNameRule}"));
                continue;
            }

            authenticator.Add(Role.Sidecar, service, tokens ?? [], field, errors);
        }

        return (authenticator, errors);
    }

    /// <summary>The bearer token of an <c>authorization</c> header, or null when there is none.</summary>
    public static string? BearerToken(string? authorization) =>
        authorization is not null && authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && authorization[Scheme.Length..].Trim() is { Length: > 0 } token
            ? token
            : null;

    /// <summary>The SHA-256 (lowercase hex) of a token: how tokens are kept and named.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>The caller of the configured bearer token in an <c>authorization</c> header, or null when unknown or absent.</summary>
    public Caller? Authenticate(string? authorization)
    {
        if (!Enabled)
        {
            return Caller.Anonymous;
        }

        return BearerToken(authorization) is { } token && _callers.TryGetValue(Hash(token), out var caller) ? caller : null;
    }

    private void Add(Role role, string? service, string[] entries, string field, List<PolicyError> errors)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            IEnumerable<string> tokens = [entry];
            if (entry.StartsWith("file:", StringComparison.Ordinal))
            {
                var path = entry["file:".Length..];
                try
                {
                    tokens = File.ReadAllLines(path);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    errors.Add(new($"{field}:{i}", $"token file '{path}' could not be read ({ex.Message}); accepted: a readable file with one token per line"));
                    continue;
                }
            }

            foreach (var token in tokens.Select(t => t.Trim()).Where(t => t.Length > 0))
            {
                if (token.Length < 16)
                {
                    errors.Add(new($"{field}:{i}", "a token is shorter than 16 characters; accepted: 16 characters or more"));
                    continue;
                }

                var hash = Hash(token);
                if (_callers.TryGetValue(hash, out var other) && (other.Role != role || other.Service != service))
                {
                    var what = other.Service is null ? other.Role.ToString() : $"a sidecar token of service '{other.Service}'";
                    errors.Add(new($"{field}:{i}", $"a token is also configured as {what}; accepted: one role, and one service, per token"));
                    continue;
                }

                var actor = service is null ? $"{role.ToString().ToLowerInvariant()}:{hash[..8]}" : $"sidecar:{service}:{hash[..8]}";
                _callers[hash] = new Caller(role, actor, hash, service);
            }
        }
    }
}
