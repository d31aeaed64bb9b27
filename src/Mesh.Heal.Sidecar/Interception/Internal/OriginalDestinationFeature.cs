using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Mesh.Heal.Sidecar.Interception.Internal;

/// <summary>On a connection that iptables redirected to the proxy listener, where it was going; absent on any other.</summary>
/// <param name="EndPoint">The original destination.</param>
internal sealed record OriginalDestinationFeature(IPEndPoint EndPoint)
{
    /// <summary>The destination as a forwarding prefix, <c>http://IP:port</c>, made once per connection.</summary>
    public string Prefix { get; } = "http://" + EndPoint;

    /// <summary>The connection middleware of the proxy listener: reads the original destination once per connection.</summary>
    /// <remarks>Kestrel's request features fall back to the connection's, so each request on the connection sees it.</remarks>
    public static ConnectionDelegate Middleware(ConnectionDelegate next) => connection =>
    {
        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket && OriginalDestination.Read(socket) is { } original)
        {
            connection.Features.Set(new OriginalDestinationFeature(original));
        }

        return next(connection);
    };
}
