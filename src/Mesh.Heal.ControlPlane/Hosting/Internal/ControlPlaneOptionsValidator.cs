using Mesh.Heal.ControlPlane.Auth;
using Mesh.Heal.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Hosting.Internal;

/// <summary>Checks the host's own settings: the listeners (and, across features, their TLS and the tokens a
/// non-loopback listener needs), the store, the policy directory and the push debounce.</summary>
internal sealed class ControlPlaneOptionsValidator(IOptions<TlsOptions> tls, IServiceProvider services) : IValidateOptions<ControlPlaneOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ControlPlaneOptions options) => Check(options, tls.Value, AnyTokens()).Result();

    private bool AnyTokens()
    {
        try
        {
            return services.GetRequiredService<TokenAuthenticator>().Enabled;
        }
        catch (OptionsValidationException)
        {
            // ControlPlane:Auth is invalid and its own validator says why; the listeners' own errors are still reported.
            return true;
        }
    }

    /// <summary>Every rule of <see cref="ControlPlaneOptions"/>, given the TLS settings and whether any token is configured.</summary>
    public static OptionsErrors Check(ControlPlaneOptions options, TlsOptions tls, bool anyTokens)
    {
        const string Grpc = ControlPlaneSections.Host + ":GrpcUrl", Http = ControlPlaneSections.Host + ":HttpUrl";
        var errors = new OptionsErrors();
        var grpc = Listen(options.GrpcUrl, Grpc, allowHttps: true, errors);
        var http = Listen(options.HttpUrl, Http, allowHttps: true, errors);
        if (grpc is { } g && http is { } h && g.Port != 0 && g.Port == h.Port)
        {
            errors.Add(Http, $"port {h.Port} is the gRPC port too; accepted: another port");
        }

        // One certificate serves both listeners, so one error names every https:// listener that needs it.
        var https = (grpc is { IsHttps: true }, http is { IsHttps: true }) switch
        {
            (true, true) => $"{Grpc} and {Http} are",
            (true, false) => $"{Grpc} is",
            (false, true) => $"{Http} is",
            _ => null,
        };
        if (https is not null && string.IsNullOrWhiteSpace(tls.CertificatePath))
        {
            errors.Add(ControlPlaneSections.Tls + ":CertificatePath",
                $"is empty but {https} https://; accepted: a PEM certificate file (with {ControlPlaneSections.Tls}:KeyPath), or http:// listeners");
        }

        if (!anyTokens)
        {
            foreach (var (listen, field) in new[] { (grpc, Grpc), (http, Http) })
            {
                if (listen is { IsLoopback: false })
                {
                    errors.Add(field,
                        "listens beyond loopback but no tokens are configured; accepted: a loopback address (127.0.0.1, [::1], localhost), " +
                        $"or set {ControlPlaneSections.Auth}:AdminTokens, ReaderTokens and ServiceTokens (or ServiceAccounts)");
                }
            }
        }

        if (string.IsNullOrWhiteSpace(options.StorePath))
        {
            errors.Add(ControlPlaneSections.Host + ":StorePath", "is empty; accepted: a file path such as /var/lib/meshheal/controlplane.db");
        }

        if (options.PolicyDirectory is { Length: > 0 } dir && !Directory.Exists(dir))
        {
            errors.Add(ControlPlaneSections.Host + ":PolicyDirectory", $"'{dir}' does not exist; accepted: an existing directory, or empty for none");
        }

        errors.Annotated(options, ControlPlaneSections.Host);
        return errors;
    }

    private static ListenAddress? Listen(string url, string field, bool allowHttps, OptionsErrors errors)
    {
        if (ListenAddress.TryParse(url, allowHttps, out var address, out var error))
        {
            return address;
        }

        errors.Add(field, error);
        return null;
    }
}
