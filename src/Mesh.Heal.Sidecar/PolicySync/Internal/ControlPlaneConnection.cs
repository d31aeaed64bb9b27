using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Heal.Sidecar.Hosting;
using Microsoft.Extensions.Options;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Sidecar.PolicySync.Internal;

/// <summary>The one HTTP/2 channel to the control plane that the policy and telemetry streams share.</summary>
/// <remarks>
/// Keep-alive pings notice a control plane that vanished without closing its connections (a network partition, a
/// frozen host), so the streams fail and reconnect instead of waiting forever.
/// </remarks>
internal sealed class ControlPlaneConnection : IDisposable
{
    private readonly GrpcChannel? _channel;
    private readonly Metadata _headers = [];
    private readonly string? _tokenFile;

    public ControlPlaneConnection(IOptions<SidecarOptions> options)
    {
        var o = options.Value;
        if (o.ControlPlaneUrl is not { Length: > 0 } url)
        {
            return;
        }

        var handler = new SocketsHttpHandler
        {
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = true,
        };
        if (o.ControlPlaneCertificateAuthority is { Length: > 0 } ca)
        {
            // Validated at start-up, so the file loads here.
            handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(LoadRoots(ca).Roots!);
        }

        _channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 4 * 1024 * 1024 });
        if (o.ControlPlaneToken is { Length: > 0 } token)
        {
            if (token.StartsWith("file:", StringComparison.Ordinal))
            {
                _tokenFile = token["file:".Length..];
            }
            else
            {
                _headers.Add("authorization", "Bearer " + token);
            }
        }

        Identity = new Wire.SidecarIdentity
        {
            Service = o.Service,
            Instance = o.Instance,
            Zone = o.Zone,
            SidecarVersion = typeof(ControlPlaneConnection).Assembly.GetName().Version?.ToString() ?? "0",
        };
    }

    /// <summary>Whether a control plane is configured.</summary>
    public bool Configured => _channel is not null;

    public Wire.SidecarIdentity Identity { get; } = new();

    /// <summary>The headers every call carries (the bearer token).</summary>
    /// <remarks>A <c>file:</c> token is read again for every call, so a rotated (projected service-account) token is sent on the next reconnect.</remarks>
    public Metadata Headers => _tokenFile is null ? _headers : new Metadata { { "authorization", "Bearer " + ReadToken(_tokenFile) } };

    public Wire.PolicyDiscovery.PolicyDiscoveryClient PolicyClient => new(_channel ?? throw NotConfigured());

    public Wire.Telemetry.TelemetryClient TelemetryClient => new(_channel ?? throw NotConfigured());

    public void Dispose() => _channel?.Dispose();

    /// <summary>Reads the CA certificates of a PEM file; Error says why it could not.</summary>
    public static (X509Certificate2Collection? Roots, string? Error) LoadRoots(string path)
    {
        try
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(path);
            return roots.Count == 0 ? (null, "holds no certificate") : (roots, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return (null, ex.Message);
        }
    }

    /// <summary>The token in a token file, or empty when it cannot be read (the call is then refused as unauthenticated, and retried).</summary>
    public static string ReadToken(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static InvalidOperationException NotConfigured() => new("Sidecar:ControlPlaneUrl is not set");
}
