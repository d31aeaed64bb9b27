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

    public ControlPlaneConnection(IOptions<SidecarOptions> options)
    {
        var o = options.Value;
        if (o.ControlPlaneUrl is not { Length: > 0 } url)
        {
            return;
        }

        _channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                EnableMultipleHttp2Connections = true,
            },
            MaxReceiveMessageSize = 4 * 1024 * 1024,
        });
        if (o.ControlPlaneToken is { Length: > 0 } token)
        {
            _headers.Add("authorization", "Bearer " + token);
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
    public Metadata Headers => _headers;

    public Wire.PolicyDiscovery.PolicyDiscoveryClient PolicyClient => new(_channel ?? throw NotConfigured());

    public Wire.Telemetry.TelemetryClient TelemetryClient => new(_channel ?? throw NotConfigured());

    public void Dispose() => _channel?.Dispose();

    private static InvalidOperationException NotConfigured() => new("Sidecar:ControlPlaneUrl is not set");
}
