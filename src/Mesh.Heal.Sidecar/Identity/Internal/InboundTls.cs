using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Sidecar.Interception.Internal;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Mesh.Heal.Sidecar.Telemetry.Internal;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.Sidecar.Identity.Internal;

/// <summary>TLS on an <c>https://</c> inbound listener: the sidecar's identity certificate, mesh client certificates
/// checked, plain HTTP served beside it unless the policy's <c>Mtls</c> is <c>Required</c>.</summary>
/// <remarks>
/// <para>
/// Each connection's first bytes decide (<see cref="ProtocolSniffer"/>, the connection's one peek): a TLS handshake record
/// (0x16) goes through Kestrel's TLS middleware; anything else is closed when mTLS is required, else goes straight to the
/// HTTP handler (the delegate behind the TLS middleware), except a redirected connection that does not speak HTTP/1.x
/// (or sends nothing within <c>Sidecar:Interception:ProtocolDetectionTimeout</c>), which goes as opaque TCP to the
/// application's port it was meant for.
/// The server certificate is the identity's current one, picked per handshake, so a renewed certificate serves the next
/// handshake. A client certificate is asked for but not required at the TLS layer; a presented one must be a mesh
/// identity (<see cref="MeshTrust"/>). The policy is read per connection, so a change applies to new connections at once.
/// </para>
/// <para>
/// A refusal closes the connection without an HTTP answer and is counted in <c>meshheal.inbound.refused</c> by reason:
/// <c>plaintext</c>, <c>no_client_certificate</c> (only under <c>Required</c>), <c>untrusted_client_certificate</c> (always).
/// Until the first certificate arrives every handshake fails.
/// </para>
/// </remarks>
internal sealed partial class InboundTls
{
    /// <summary>The request header that carries the caller's verified identity to the application.</summary>
    public const string PeerIdentityHeader = "X-MeshHeal-Peer-Identity";

    private readonly SidecarIdentity _identity;
    private readonly ClusterResilienceRegistry _registry;
    private readonly SidecarMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly TimeSpan _firstByteTimeout;
    private readonly TcpProxy _tcp;
    private readonly ILogger _logger;
    private volatile CertificateContext? _context;

    public InboundTls(SidecarIdentity identity, ClusterResilienceRegistry registry, SidecarMetrics metrics, TimeProvider time, IOptions<SidecarOptions> options, TcpProxy tcp, ILogger<InboundTls> logger)
    {
        _tcp = tcp;
        _identity = identity;
        _registry = registry;
        _metrics = metrics;
        _time = time;
        _firstByteTimeout = options.Value.CallerRequestHeadersTimeout;
        _logger = logger;
    }

    /// <summary>Adds the first-byte split and TLS to <paramref name="listen"/>.</summary>
    public static void Configure(ListenOptions listen)
    {
        ConnectionDelegate? plain = null;
        InboundTls? tls = null;
        InboundTls Tls() => tls ??= listen.ApplicationServices.GetRequiredService<InboundTls>();

        // Connection middlewares compose in reverse: the last one added wraps the HTTP handler, so it captures it for
        // plain connections, and is built before the first one, which needs it.
        listen.Use(next =>
        {
            var instance = Tls();
            var http = plain ?? throw new InvalidOperationException("the HTTP handler of the inbound listener was not captured");
            return connection => instance.OnConnectionAsync(connection, next, http);
        });
        listen.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = context => Tls().OnHandshake(context) });
        listen.Use(next =>
        {
            plain = next;
            return next;
        });
    }

    /// <summary>Removes any <see cref="PeerIdentityHeader"/> the caller sent, then sets it to the verified client certificate's identity, if any.</summary>
    public static void SetPeerIdentity(HttpContext context)
    {
        context.Request.Headers.Remove(PeerIdentityHeader);
        if (context.Connection.ClientCertificate is { } certificate && SidecarIdentity.UriName(certificate) is { } identity)
        {
            context.Request.Headers[PeerIdentityHeader] = identity;
        }
    }

    /// <summary>Why the client certificate of a handshake is refused, as (metric reason, detail), or null when it is accepted.</summary>
    /// <param name="certificate">The client's certificate; null when it presented none.</param>
    /// <param name="own">This sidecar's certificate and trust bundle; null before the first one.</param>
    /// <param name="mode">The policy's mTLS mode.</param>
    /// <param name="at">When the handshake happens.</param>
    public static (string Reason, string Detail)? ClientRefusal(X509Certificate? certificate, IssuedIdentity? own, MtlsMode mode, DateTimeOffset at)
    {
        if (certificate is null)
        {
            return mode == MtlsMode.Required ? ("no_client_certificate", "no client certificate while mTLS is required") : null;
        }

        if (own is null)
        {
            return ("untrusted_client_certificate", "no identity certificate yet to check it against");
        }

        return MeshTrust.Check(certificate, own, at, out _) is { } why ? ("untrusted_client_certificate", "client certificate refused: " + why) : null;
    }

    private async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate tls, ConnectionDelegate plain)
    {
        // The one peek of the connection's first bytes. A redirected connection may speak anything (server-first
        // protocols send nothing), so it waits only the detection timeout; any other is a caller of the listener itself.
        var original = connection.Features.Get<OriginalDestinationFeature>();
        var timeout = original is null ? _firstByteTimeout : _tcp.DetectionTimeout;
        SniffedProtocol protocol;
        try
        {
            // Not cancelled by ConnectionClosed, which fires once the client is done sending (a half-close).
            protocol = await ProtocolSniffer.SniffAsync(connection.Transport.Input, timeout, _time, CancellationToken.None);
        }
        catch (ConnectionAbortedException)
        {
            return;
        }

        if (protocol == SniffedProtocol.Tls)
        {
            await tls(connection);
        }
        else if (protocol == SniffedProtocol.Silent && original is null)
        {
            // Nothing sent in time: closed, as ever.
        }
        else if (_registry.Policy.Mtls == MtlsMode.Required)
        {
            Refuse("plaintext", $"a plain connection from {connection.RemoteEndPoint} while mTLS is required");
        }
        else if (protocol == SniffedProtocol.Http || original is null)
        {
            await plain(connection);
        }
        else
        {
            await _tcp.ForwardAsync(connection, _tcp.InboundDestination(original.EndPoint), TcpProxy.Inbound);
        }
    }

    private ValueTask<SslServerAuthenticationOptions> OnHandshake(TlsHandshakeCallbackContext context)
    {
        if (_identity.Current is not { } current)
        {
            throw new AuthenticationException("the sidecar has no identity certificate yet");
        }

        var cached = _context;
        if (cached is null || !ReferenceEquals(cached.Identity, current))
        {
            cached = new CertificateContext(current, SslStreamCertificateContext.Create(current.Certificate, additionalCertificates: null, offline: true));
            _context = cached;
        }

        return ValueTask.FromResult(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = cached.Context,
            ClientCertificateRequired = true,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => ValidateClient(certificate, current),
        });
    }

    private bool ValidateClient(X509Certificate? certificate, IssuedIdentity own)
    {
        if (ClientRefusal(certificate, own, _registry.Policy.Mtls, _time.GetUtcNow()) is not { } refusal)
        {
            return true;
        }

        Refuse(refusal.Reason, refusal.Detail);
        return false;
    }

    private void Refuse(string reason, string detail)
    {
        _metrics.RecordInboundRefused(reason);
        LogRefused(_logger, reason, detail);
    }

    private sealed record CertificateContext(IssuedIdentity Identity, SslStreamCertificateContext Context);

    [LoggerMessage(EventId = 175, Level = LogLevel.Information, Message = "Inbound connection refused ({Reason}): {Detail}")]
    private static partial void LogRefused(ILogger logger, string reason, string detail);
}
