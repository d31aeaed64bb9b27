using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Heal.Sidecar.Hosting;
using Microsoft.Extensions.Options;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Sidecar.PolicySync.Internal;

/// <summary>The HTTP/2 channels to the control plane's addresses, one per address of <see cref="SidecarOptions.ControlPlaneUrl"/>;
/// the policy and telemetry streams each use the channel of the address they are on.</summary>
/// <remarks>
/// Identity, token and certificate authority are the same for every address. Each channel opens its connections through
/// a <see cref="RotatingConnector"/>, so an address whose name resolves to several records tries each in turn. Keep-alive
/// pings notice a control plane that vanished without closing its connections (a network partition, a frozen host), so
/// the streams fail and move on instead of waiting forever.
/// </remarks>
internal sealed class ControlPlaneConnection : IDisposable
{
    private readonly Target[] _targets = [];
    private readonly Metadata _headers = [];
    private readonly string? _tokenFile;

    public ControlPlaneConnection(IOptions<SidecarOptions> options, TimeProvider time)
    {
        var o = options.Value;
        var urls = Urls(o.ControlPlaneUrl);
        if (urls.Length == 0)
        {
            return;
        }

        // Validated at start-up, so the file loads here.
        var roots = o.ControlPlaneCertificateAuthority is { Length: > 0 } ca ? LoadRoots(ca).Roots! : null;
        _targets = Array.ConvertAll(urls, url => Target.Create(url, roots, time));
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
    public bool Configured => _targets.Length > 0;

    /// <summary>How many addresses the control plane has.</summary>
    public int Addresses => _targets.Length;

    public Wire.SidecarIdentity Identity { get; } = new();

    /// <summary>The headers every call carries (the bearer token).</summary>
    /// <remarks>A <c>file:</c> token is read again for every call, so a rotated (projected service-account) token is sent on the next reconnect.</remarks>
    public Metadata Headers => _tokenFile is null ? _headers : new Metadata { { "authorization", "Bearer " + ReadToken(_tokenFile) } };

    /// <summary>The URL of address <paramref name="address"/>.</summary>
    public string Url(int address) => _targets[address].Url;

    /// <summary>The IP address and port that address <paramref name="address"/>'s channel last connected to, or null.</summary>
    public string? Endpoint(int address) => _targets[address].Connector.LastEndpoint;

    public Wire.PolicyDiscovery.PolicyDiscoveryClient PolicyClient(int address) => new(_targets[address].Channel);

    public Wire.Telemetry.TelemetryClient TelemetryClient(int address) => new(_targets[address].Channel);

    public void Dispose()
    {
        foreach (var target in _targets)
        {
            target.Channel.Dispose();
        }
    }

    /// <summary>The entries of a <see cref="SidecarOptions.ControlPlaneUrl"/>: one URL or several separated by commas, trimmed; none when unset.</summary>
    /// <remarks>An empty entry stays in the list (as an empty string) so that the validator can name it; so does a value of blanks.</remarks>
    public static string[] Urls(string? value) =>
        string.IsNullOrEmpty(value) ? [] : value.Split(',', StringSplitOptions.TrimEntries);

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

    /// <summary>One address: its URL, its channel and the connector that opens the channel's connections.</summary>
    private sealed record Target(string Url, GrpcChannel Channel, RotatingConnector Connector)
    {
        public static Target Create(string url, X509Certificate2Collection? roots, TimeProvider time)
        {
            var connector = new RotatingConnector(time);
            var handler = new SocketsHttpHandler
            {
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                ConnectCallback = connector.ConnectAsync,

                // The connector gives each resolved address its own 5 s; this bounds the whole connect, TLS included.
                ConnectTimeout = TimeSpan.FromSeconds(30),
                EnableMultipleHttp2Connections = true,
            };
            if (roots is not null)
            {
                handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                };
                handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
            }

            return new Target(url, GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 4 * 1024 * 1024 }), connector);
        }
    }
}
