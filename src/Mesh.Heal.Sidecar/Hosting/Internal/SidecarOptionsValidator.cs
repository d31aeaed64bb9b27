using System.Globalization;
using Mesh.Heal.Hosting;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Interception;
using Mesh.Heal.Sidecar.PolicySync.Internal;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.Sidecar.Hosting.Internal;

/// <summary>Checks <see cref="SidecarOptions"/> at start-up; every failure is <c>Sidecar:Setting: what is wrong; accepted: ...</c>.</summary>
/// <remarks>
/// Hand-written rather than data annotations: the sidecar is published with NativeAOT, where
/// <c>ValidateDataAnnotations</c> is not trim-safe, and each message names the full setting and the accepted values.
/// </remarks>
internal sealed class SidecarOptionsValidator : IValidateOptions<SidecarOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, SidecarOptions options)
    {
        var errors = Check(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(e => e.ToString()));
    }

    /// <summary>Every rule of <see cref="SidecarOptions"/>.</summary>
    public static List<PolicyError> Check(SidecarOptions options)
    {
        var errors = new List<PolicyError>();
        Listen(options.ListenUrl, "Sidecar:ListenUrl", errors);
        if (!string.IsNullOrWhiteSpace(options.Http2ListenUrl))
        {
            Listen(options.Http2ListenUrl, "Sidecar:Http2ListenUrl", errors);
        }

        Listen(options.AdminUrl, "Sidecar:AdminUrl", errors);
        if (string.IsNullOrWhiteSpace(options.Service))
        {
            errors.Add(new PolicyError("Sidecar:Service", "is empty; accepted: the service's name, such as orders"));
        }

        var urls = ControlPlaneConnection.Urls(options.ControlPlaneUrl);
        for (var i = 0; i < urls.Length; i++)
        {
            if (!IsControlPlaneAddress(urls[i]))
            {
                var entry = urls.Length == 1 ? $"'{urls[i]}'" : $"entry {i + 1} of {urls.Length}, '{urls[i]}',";
                errors.Add(new PolicyError(
                    "Sidecar:ControlPlaneUrl",
                    $"{entry} is not a control plane address; accepted: http://host:port or https://host:port, or several separated by commas"));
            }
        }

        if (options.ControlPlaneCertificateAuthority is { Length: > 0 } ca)
        {
            const string Field = "Sidecar:ControlPlaneCertificateAuthority";
            if (urls.Length == 0 || !urls.All(u => Uri.TryCreate(u, UriKind.Absolute, out var https) && https.Scheme == Uri.UriSchemeHttps))
            {
                errors.Add(new PolicyError(Field, "is set but Sidecar:ControlPlaneUrl is not https://; accepted: https:// control plane addresses only, or no certificate authority"));
            }
            else if (ControlPlaneConnection.LoadRoots(ca) is { Error: { } error })
            {
                errors.Add(new PolicyError(Field, $"'{ca}': {error}; accepted: a PEM file with one or more CA certificates"));
            }
        }

        if (options.ControlPlaneToken is { Length: > 0 } token && token.StartsWith("file:", StringComparison.Ordinal)
            && ControlPlaneConnection.ReadToken(token["file:".Length..]).Length == 0)
        {
            errors.Add(new PolicyError("Sidecar:ControlPlaneToken", $"'{token}' names a file that cannot be read or is empty; accepted: a token, or file:/path of a file holding one"));
        }

        if (options.TelemetryInterval < TimeSpan.FromMilliseconds(100) || options.TelemetryInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add(new PolicyError("Sidecar:TelemetryInterval", $"{options.TelemetryInterval:c} is out of range; accepted: 00:00:00.1 to 00:01:00"));
        }

        if (options.CallerRequestHeadersTimeout < SidecarConstants.MinCallerTimeout || options.CallerRequestHeadersTimeout > SidecarConstants.MaxCallerTimeout)
        {
            errors.Add(new PolicyError("Sidecar:CallerRequestHeadersTimeout", $"{options.CallerRequestHeadersTimeout:c} is out of range; accepted: 00:00:01 to 00:05:00"));
        }

        if (options.CallerMinRequestBodyGracePeriod < SidecarConstants.MinCallerBodyGracePeriod || options.CallerMinRequestBodyGracePeriod > SidecarConstants.MaxCallerTimeout)
        {
            // Kestrel refuses a grace period of one second or less.
            errors.Add(new PolicyError("Sidecar:CallerMinRequestBodyGracePeriod",
                $"{options.CallerMinRequestBodyGracePeriod:c} is out of range; accepted: 00:00:02 to 00:05:00"));
        }

        if (!(options.CallerMinRequestBodyBytesPerSecond >= 0 && options.CallerMinRequestBodyBytesPerSecond <= SidecarConstants.MaxCallerMinRequestBodyBytesPerSecond))
        {
            errors.Add(new PolicyError("Sidecar:CallerMinRequestBodyBytesPerSecond",
                $"{options.CallerMinRequestBodyBytesPerSecond.ToString(CultureInfo.InvariantCulture)} is out of range; accepted: 0 (no minimum) to 1048576"));
        }

        var detection = options.Interception.ProtocolDetectionTimeout;
        if (detection < InterceptionConstants.MinProtocolDetectionTimeout || detection > InterceptionConstants.MaxProtocolDetectionTimeout)
        {
            errors.Add(new PolicyError("Sidecar:Interception:ProtocolDetectionTimeout", $"{detection:c} is out of range; accepted: 00:00:00.01 to 00:00:10"));
        }

        if (string.IsNullOrWhiteSpace(options.Instance))
        {
            errors.Add(new PolicyError("Sidecar:Instance", "is empty; accepted: a name unique per sidecar, such as the pod name"));
        }

        CheckInbound(options, errors);

        if (options.Identity.Enabled && urls.Length == 0)
        {
            errors.Add(new PolicyError("Sidecar:Identity:Enabled", "is true but Sidecar:ControlPlaneUrl is not set; accepted: an identity with a control plane to issue it, or false"));
        }

        return errors;
    }

    /// <summary>The inbound listener's address, once <see cref="Check"/> has passed; null when none is configured.</summary>
    public static ListenAddress? InboundListener(SidecarOptions options) =>
        ListenAddress.TryParse(options.InboundListenUrl, allowHttps: true, out var inbound, out _) ? inbound : null;

    /// <summary>The listen addresses, once <see cref="Check"/> has passed.</summary>
    public static (ListenAddress Proxy, ListenAddress Admin, ListenAddress? Http2Proxy) Listeners(SidecarOptions options)
    {
        ListenAddress.TryParse(options.ListenUrl, allowHttps: false, out var proxy, out _);
        ListenAddress.TryParse(options.AdminUrl, allowHttps: false, out var admin, out _);
        ListenAddress? http2 = ListenAddress.TryParse(options.Http2ListenUrl, allowHttps: false, out var h2, out _) ? h2 : null;
        return (proxy, admin, http2);
    }

    private static bool IsControlPlaneAddress(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static void Listen(string? url, string field, List<PolicyError> errors)
    {
        if (!ListenAddress.TryParse(url, allowHttps: false, out _, out var error))
        {
            errors.Add(new PolicyError(field, error));
        }
    }

    private static void CheckInbound(SidecarOptions options, List<PolicyError> errors)
    {
        var listen = !string.IsNullOrWhiteSpace(options.InboundListenUrl);
        var target = !string.IsNullOrWhiteSpace(options.InboundTarget);
        if (listen)
        {
            if (!ListenAddress.TryParse(options.InboundListenUrl, allowHttps: true, out var inbound, out var error))
            {
                errors.Add(new PolicyError("Sidecar:InboundListenUrl", error));
            }
            else if (inbound.IsHttps && !options.Identity.Enabled)
            {
                errors.Add(new PolicyError("Sidecar:InboundListenUrl",
                    $"'{options.InboundListenUrl}' serves TLS with the sidecar's identity certificate, but Sidecar:Identity:Enabled is false; accepted: http://IP:port, or https://IP:port with Sidecar:Identity:Enabled=true"));
            }

            if (!target)
            {
                errors.Add(new PolicyError("Sidecar:InboundTarget", "is missing while Sidecar:InboundListenUrl is set; accepted: the application's address, such as http://127.0.0.1:8080"));
            }
        }

        if (target)
        {
            if (!(Uri.TryCreate(options.InboundTarget, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.UserInfo.Length == 0))
            {
                errors.Add(new PolicyError("Sidecar:InboundTarget", $"'{options.InboundTarget}' is not an application address; accepted: http://host:port or https://host:port, without a path"));
            }
            else if (!listen)
            {
                errors.Add(new PolicyError("Sidecar:InboundListenUrl", "is missing while Sidecar:InboundTarget is set; accepted: a listen address such as http://0.0.0.0:15006"));
            }
        }
    }
}
