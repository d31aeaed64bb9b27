using System.Security.Cryptography;
using System.Text;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.Policy;

namespace Mesh.Heal.ControlPlane.Auth;

/// <summary>Maps bearer tokens to roles.</summary>
/// <remarks>
/// Tokens are kept only as SHA-256 hashes and looked up by hash, so the comparison takes the same time whatever the
/// token. The actor written to the audit log is the role and the first 8 hex digits of the hash, never the token.
/// With no tokens at all, authentication is off and every caller is an anonymous admin (the host then refuses to
/// listen beyond loopback).
/// </remarks>
internal sealed class TokenAuthenticator
{
    private readonly Dictionary<string, Role> _roles = new(StringComparer.Ordinal);

    private TokenAuthenticator()
    {
    }

    /// <summary>Whether any token is configured.</summary>
    public bool Enabled => _roles.Count > 0;

    /// <summary>Reads the tokens of every role; a <c>file:</c> entry is read as one token per line.</summary>
    public static (TokenAuthenticator Authenticator, IReadOnlyList<PolicyError> Errors) Create(ControlPlaneOptions.AuthOptions options)
    {
        var authenticator = new TokenAuthenticator();
        var errors = new List<PolicyError>();
        authenticator.Add(Role.Sidecar, options.SidecarTokens, "ControlPlane:Auth:SidecarTokens", errors);
        authenticator.Add(Role.Reader, options.ReaderTokens, "ControlPlane:Auth:ReaderTokens", errors);
        authenticator.Add(Role.Admin, options.AdminTokens, "ControlPlane:Auth:AdminTokens", errors);
        return (authenticator, errors);
    }

    /// <summary>The role and audit name of the bearer token in an <c>authorization</c> header, or null when unknown or absent.</summary>
    public (Role Role, string Actor)? Authenticate(string? authorization)
    {
        if (!Enabled)
        {
            return (Role.Admin, "anonymous");
        }

        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var hash = Hash(authorization[Scheme.Length..].Trim());
        return _roles.TryGetValue(hash, out var role) ? (role, $"{role.ToString().ToLowerInvariant()}:{hash[..8]}") : null;
    }

    private void Add(Role role, string[] entries, string field, List<PolicyError> errors)
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
                if (_roles.TryGetValue(hash, out var other) && other != role)
                {
                    errors.Add(new($"{field}:{i}", $"a token is also configured as {other}; accepted: one role per token"));
                    continue;
                }

                _roles[hash] = role;
            }
        }
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
