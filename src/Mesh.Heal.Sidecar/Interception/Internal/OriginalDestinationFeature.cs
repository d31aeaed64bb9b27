using System.Net;

namespace Mesh.Heal.Sidecar.Interception.Internal;

/// <summary>On a connection that iptables redirected to the proxy or the inbound listener, where it was going; absent on any other.</summary>
/// <remarks>Set by <see cref="RedirectedConnections"/>; Kestrel's request features fall back to the connection's, so each request on the connection sees it.</remarks>
/// <param name="EndPoint">The original destination.</param>
internal sealed record OriginalDestinationFeature(IPEndPoint EndPoint)
{
    /// <summary>The destination as a forwarding prefix, <c>http://IP:port</c>, made once per connection.</summary>
    public string Prefix { get; } = "http://" + EndPoint;

}
