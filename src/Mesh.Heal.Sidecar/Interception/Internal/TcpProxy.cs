using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Sidecar.Telemetry.Internal;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.Sidecar.Interception.Internal;

/// <summary>Carries a redirected connection that does not speak HTTP/1.x as opaque TCP: a socket to its destination,
/// bytes spliced both ways.</summary>
/// <remarks>
/// The sidecar runs as the proxy uid, which the interception rules exclude, so its socket is not redirected again.
/// A client that is done sending (its input completes) shuts the upstream socket down for sending; an upstream end of
/// stream completes the client's output (and Kestrel then closes the client's socket both ways: a server's half-close is
/// not carried to the client); it ends when both directions have, or at once when either side resets.
/// A connect failure closes the client's connection. Each connection is counted in <c>meshheal.tcp.connections</c>
/// (<c>ok</c>, <c>connect_failed</c>, <c>reset</c>) and its bytes in <c>meshheal.tcp.bytes</c>.
/// </remarks>
internal sealed partial class TcpProxy
{
    /// <summary>The direction label of redirected outbound connections (the proxy listener).</summary>
    public const string Outbound = "outbound";

    /// <summary>The direction label of redirected inbound connections (the inbound listener).</summary>
    public const string Inbound = "inbound";

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    private readonly SidecarMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Uri? _inboundTarget;

    public TcpProxy(SidecarMetrics metrics, TimeProvider time, IOptions<SidecarOptions> options, ILogger<TcpProxy> logger)
    {
        _metrics = metrics;
        _time = time;
        _logger = logger;
        DetectionTimeout = options.Value.Interception.ProtocolDetectionTimeout;
        _inboundTarget = Uri.TryCreate(options.Value.InboundTarget, UriKind.Absolute, out var target) ? target : null;
        InboundHost = _inboundTarget?.Host;
    }

    /// <summary><c>Sidecar:Interception:ProtocolDetectionTimeout</c>: how long a redirected connection's first bytes are awaited.</summary>
    public TimeSpan DetectionTimeout { get; }

    /// <summary>The host of <c>Sidecar:InboundTarget</c> (the application), which redirected inbound connections reach on their original port.</summary>
    public string? InboundHost { get; }

    /// <summary>Where a redirected inbound connection goes: the application's host and the port it was meant for.</summary>
    public EndPoint InboundDestination(IPEndPoint original) =>
        IPAddress.TryParse(InboundHost, out var address) ? new IPEndPoint(address, original.Port) : new DnsEndPoint(InboundHost ?? "127.0.0.1", original.Port);

    /// <summary>The forwarding prefix of a redirected inbound connection's HTTP requests: <c>Sidecar:InboundTarget</c> with the original port.</summary>
    public string InboundPrefix(IPEndPoint original) =>
        _inboundTarget is null ? string.Empty : new UriBuilder(_inboundTarget) { Port = original.Port }.Uri.GetLeftPart(UriPartial.Authority);

    /// <summary>Connects to <paramref name="destination"/> and splices <paramref name="connection"/> with it until both directions end.</summary>
    public async Task ForwardAsync(ConnectionContext connection, EndPoint destination, string direction)
    {
        var family = destination.AddressFamily == AddressFamily.Unspecified ? AddressFamily.InterNetwork : destination.AddressFamily;
        using var upstream = new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        // Not cancelled by the client's connection closing: a client that sent its bytes and shut down its sending at
        // once (a half-close) still wants the answer.
        using (var timeout = new CancellationTokenSource(ConnectTimeout, _time))
        {
            try
            {
                await upstream.ConnectAsync(destination, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                _metrics.RecordTcpConnection(direction, "connect_failed");
                LogConnectFailed(_logger, direction, destination, ex.Message);
                return;
            }
        }

        var toUpstream = SendAsync(connection.Transport.Input, upstream, direction);
        var fromUpstream = ReceiveAsync(upstream, connection.Transport.Output, direction);
        var first = await Task.WhenAny(toUpstream, fromUpstream).ConfigureAwait(false);
        if (!await first.ConfigureAwait(false))
        {
            // One side reset: the other direction has nothing left to carry.
            connection.Abort();
            upstream.Close(0);
        }

        await toUpstream.ConfigureAwait(false);

        // Only the upstream-to-client direction tells a reset: once the upstream has ended cleanly and the client's
        // output is complete, Kestrel's socket transport closes the client's socket both ways, which ends the
        // client-to-upstream direction with an error of its own making; and a client that resets while the upstream
        // still sends ends that direction too.
        var reset = !await fromUpstream.ConfigureAwait(false);
        _metrics.RecordTcpConnection(direction, reset ? "reset" : "ok");
    }

    /// <summary>Client to upstream; true when the client ended its sending cleanly.</summary>
    private async Task<bool> SendAsync(PipeReader input, Socket upstream, string direction)
    {
        try
        {
            while (true)
            {
                // TryRead first: bytes the sniffer examined without deciding (then timed out) would not wake ReadAsync.
                if (!input.TryRead(out var result))
                {
                    result = await input.ReadAsync().ConfigureAwait(false);
                }

                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    await upstream.SendAsync(segment, SocketFlags.None).ConfigureAwait(false);
                }

                _metrics.RecordTcpBytes(direction, "sent", buffer.Length);
                input.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    upstream.Shutdown(SocketShutdown.Send);
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or ConnectionAbortedException)
        {
            return false;
        }
    }

    /// <summary>Upstream to client; true when the upstream ended its sending cleanly.</summary>
    private async Task<bool> ReceiveAsync(Socket upstream, PipeWriter output, string direction)
    {
        try
        {
            while (true)
            {
                var memory = output.GetMemory(16 * 1024);
                var read = await upstream.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    await output.CompleteAsync().ConfigureAwait(false);
                    return true;
                }

                output.Advance(read);
                _metrics.RecordTcpBytes(direction, "received", read);
                var flush = await output.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    // The client's side is gone while the upstream still had bytes for it.
                    return false;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or ConnectionAbortedException or InvalidOperationException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 180, Level = LogLevel.Warning, Message = "Opaque TCP ({Direction}) to {Destination} could not connect: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string direction, EndPoint destination, string reason);
}
