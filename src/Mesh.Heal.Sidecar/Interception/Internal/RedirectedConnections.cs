using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Heal.Sidecar.Interception.Internal;

/// <summary>The connection middlewares that tell redirected connections from explicit ones and carry those that do not
/// speak HTTP/1.x as opaque TCP.</summary>
/// <remarks>
/// A connection with an original destination (SO_ORIGINAL_DST) was redirected by the interception rules; one without
/// is an explicit call and goes straight to Kestrel's HTTP handler, unsniffed. The original destination is read once
/// per connection, with one system call, and kept as an <see cref="OriginalDestinationFeature"/>.
/// </remarks>
internal static class RedirectedConnections
{
    /// <summary>On the proxy listener: a redirected connection is sniffed; HTTP/1.x is served (routed by Host), anything
    /// else goes as opaque TCP to its original destination.</summary>
    public static void UseOutbound(ListenOptions listen) => listen.Use(next =>
    {
        var tcp = listen.ApplicationServices.GetRequiredService<TcpProxy>();
        var time = listen.ApplicationServices.GetRequiredService<TimeProvider>();
        return connection => OutboundAsync(connection, next, tcp, time);
    });

    /// <summary>On the inbound listener: a redirected connection is forwarded to the application's port it was meant for;
    /// on a plain listener (<paramref name="tls"/> false) one not speaking HTTP/1.x goes there as opaque TCP. On a TLS
    /// listener the TLS split sniffs instead (one peek per connection).</summary>
    public static void UseInbound(ListenOptions listen, bool tls) => listen.Use(next =>
    {
        var tcp = listen.ApplicationServices.GetRequiredService<TcpProxy>();
        var time = listen.ApplicationServices.GetRequiredService<TimeProvider>();
        return connection => InboundAsync(connection, next, tcp, time, tls);
    });

    private static async Task OutboundAsync(ConnectionContext connection, ConnectionDelegate http, TcpProxy tcp, TimeProvider time)
    {
        if (Read(connection) is not { } original)
        {
            await http(connection);
            return;
        }

        connection.Features.Set(new OriginalDestinationFeature(original));
        if (await SniffAsync(connection, tcp, time) is not { } protocol)
        {
            return;
        }

        await (protocol == SniffedProtocol.Http ? http(connection) : tcp.ForwardAsync(connection, original, TcpProxy.Outbound));
    }

    private static async Task InboundAsync(ConnectionContext connection, ConnectionDelegate next, TcpProxy tcp, TimeProvider time, bool tls)
    {
        if (Read(connection) is not { } original)
        {
            await next(connection);
            return;
        }

        connection.Features.Set(new OriginalDestinationFeature(original));
        connection.Features.Set(new InboundTargetFeature(tcp.InboundPrefix(original)));
        if (tls)
        {
            await next(connection);
            return;
        }

        if (await SniffAsync(connection, tcp, time) is not { } protocol)
        {
            return;
        }

        await (protocol == SniffedProtocol.Http ? next(connection) : tcp.ForwardAsync(connection, tcp.InboundDestination(original), TcpProxy.Inbound));
    }

    private static async ValueTask<SniffedProtocol?> SniffAsync(ConnectionContext connection, TcpProxy tcp, TimeProvider time)
    {
        // Not cancelled by ConnectionClosed, which fires as soon as the client is done sending: a half-closed client
        // still wants the answer; the input's completion ends the peek when it has nothing more to give.
        try
        {
            return await ProtocolSniffer.SniffAsync(connection.Transport.Input, tcp.DetectionTimeout, time, CancellationToken.None);
        }
        catch (ConnectionAbortedException)
        {
            return null;
        }
    }

    private static IPEndPoint? Read(ConnectionContext connection) =>
        connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket ? OriginalDestination.Read(socket) : null;
}
