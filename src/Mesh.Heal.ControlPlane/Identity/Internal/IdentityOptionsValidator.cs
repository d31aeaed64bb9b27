using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Identity.Internal;

/// <summary>Checks <c>ControlPlane:Identity</c>: the trust domain, the root's files (both or neither, readable) and the lifetime.</summary>
internal sealed class IdentityOptionsValidator : IValidateOptions<IdentityOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, IdentityOptions options) => Check(options).Result();

    /// <summary>Every rule of <see cref="IdentityOptions"/>.</summary>
    public static OptionsErrors Check(IdentityOptions options)
    {
        const string Section = ControlPlaneSections.Identity;
        var errors = new OptionsErrors();
        errors.Duration(Section + ":CertificateLifetime", options.CertificateLifetime, IdentityConstants.MinLifetime, IdentityConstants.MaxLifetime);
        if (Uri.CheckHostName(options.TrustDomain) != UriHostNameType.Dns || options.TrustDomain.Contains('/', StringComparison.Ordinal))
        {
            errors.Add(Section + ":TrustDomain", $"'{options.TrustDomain}' is not accepted; accepted: a DNS name such as meshheal.local");
        }

        var hasCertificate = options.CaCertificate is { Length: > 0 };
        var hasKey = options.CaKey is { Length: > 0 };
        if (hasCertificate != hasKey)
        {
            errors.Add(Section + (hasCertificate ? ":CaKey" : ":CaCertificate"), "CaCertificate and CaKey are set together or not at all; accepted: both PEM file paths, or neither for a root kept in the store");
        }
        else if (hasCertificate && CertificateAuthority.LoadRoot(options.CaCertificate!, options.CaKey!) is { Error: { } error })
        {
            errors.Add(Section + ":CaCertificate", $"'{options.CaCertificate}' with key '{options.CaKey}' is not usable: {error}; accepted: a PEM CA certificate and its PEM private key (ECDSA or RSA)");
        }

        return errors;
    }
}
