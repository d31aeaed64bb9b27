using System.Security.Cryptography.X509Certificates;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Heal.Sidecar.Identity.Internal;

/// <summary>YARP's HTTP clients, with mutual TLS towards mesh peers: the sidecar's identity certificate as client
/// certificate, and the peer accepted only with its own mesh identity.</summary>
/// <remarks>
/// <para>
/// With <c>Sidecar:Identity:Enabled</c>, every cluster is a mesh peer unless its metadata <c>MeshHeal.PeerService</c> is
/// <c>none</c>; the peer's service is that metadata, else the cluster id. Its <c>https://</c> destinations then get the
/// current certificate (picked per handshake) and must present one that chains to the trust bundle and names
/// <c>spiffe://&lt;our trust domain&gt;/service/&lt;peer&gt;</c>; any other fails the connection like a connect failure, so
/// the attempt counts against the cluster. Its <c>http://</c> destinations are unaffected. Pooled connections live at
/// most <see cref="MeshConnectionLifetime"/>, so a renewed certificate is on every connection within it.
/// </para>
/// <para>Clusters with <c>MeshHeal.PeerService: none</c>, and every cluster with identity off, keep YARP's defaults (system trust).</para>
/// </remarks>
internal sealed partial class MeshForwarderHttpClientFactory : ForwarderHttpClientFactory
{
    /// <summary>The cluster metadata key naming the peer's service; <c>none</c> for ordinary https.</summary>
    public const string PeerServiceMetadata = "MeshHeal.PeerService";

    /// <summary>The longest a pooled connection to a mesh peer is reused.</summary>
    public static readonly TimeSpan MeshConnectionLifetime = TimeSpan.FromMinutes(1);

    private readonly SidecarIdentity _identity;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    // The refusals log under this class's own category: YARP's forwarder categories are kept at Error in appsettings.json.
    public MeshForwarderHttpClientFactory(
        SidecarIdentity identity, TimeProvider time, ILogger<ForwarderHttpClientFactory> yarpLogger, ILogger<MeshForwarderHttpClientFactory> logger)
        : base(yarpLogger)
    {
        _identity = identity;
        _time = time;
        _logger = logger;
    }

    /// <summary>The service a cluster's peer must be, or null when the cluster is not a mesh peer (<c>MeshHeal.PeerService: none</c>).</summary>
    public static string? PeerService(string clusterId, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is not null && metadata.TryGetValue(PeerServiceMetadata, out var named) && !string.IsNullOrWhiteSpace(named))
        {
            var peer = named.Trim();
            return peer.Equals("none", StringComparison.OrdinalIgnoreCase) ? null : peer;
        }

        return clusterId;
    }

    /// <summary>Why the server certificate <paramref name="certificate"/> is not the mesh identity of <paramref name="peer"/>, or null when it is.</summary>
    /// <param name="certificate">The server's certificate; null when it presented none.</param>
    /// <param name="own">This sidecar's certificate and trust bundle; null before the first one.</param>
    /// <param name="peer">The service the server must be.</param>
    /// <param name="at">When the handshake happens.</param>
    /// <param name="expected">The identity expected, for the log.</param>
    /// <param name="presented">The identity the server's certificate names, or null.</param>
    public static string? PeerError(X509Certificate? certificate, IssuedIdentity? own, string peer, DateTimeOffset at, out string expected, out string? presented)
    {
        presented = null;
        if (own is null)
        {
            expected = "spiffe://(unknown)/service/" + peer;
            return "this sidecar has no identity certificate yet";
        }

        expected = MeshTrust.ServiceIdentity(own, peer) ?? peer;
        if (MeshTrust.Check(certificate, own, at, out presented) is { } why)
        {
            return why;
        }

        return string.Equals(presented, expected, StringComparison.Ordinal) ? null : "peer identity mismatch";
    }

    private bool ValidatePeer(string clusterId, string peer, X509Certificate? certificate)
    {
        if (PeerError(certificate, _identity.Current, peer, _time.GetUtcNow(), out var expected, out var presented) is not { } why)
        {
            return true;
        }

        LogPeerRefused(_logger, clusterId, expected, presented ?? "(none)", why);
        return false;
    }

    /// <summary>Makes <paramref name="handler"/> speak mTLS to the cluster's peer; returns false (handler untouched) when identity is off or the cluster is no mesh peer.</summary>
    public bool ConfigureMeshPeer(string clusterId, IReadOnlyDictionary<string, string>? metadata, SocketsHttpHandler handler)
    {
        if (!_identity.Enabled || PeerService(clusterId, metadata) is not { } peer)
        {
            return false;
        }

        handler.PooledConnectionLifetime = MeshConnectionLifetime;
        handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => _identity.Current?.Certificate!;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => ValidatePeer(clusterId, peer, certificate);
        return true;
    }

    /// <inheritdoc/>
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        ConfigureMeshPeer(context.ClusterId, context.NewMetadata, handler);
    }

    [LoggerMessage(EventId = 176, Level = LogLevel.Warning,
        Message = "Cluster {ClusterId}: mesh peer refused, expected identity {Expected}, presented {Presented} ({Reason})")]
    private static partial void LogPeerRefused(ILogger logger, string clusterId, string expected, string presented, string reason);
}
