using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Heal.Sidecar.Hosting;

/// <summary>The proxy and admin listeners, with the ports actually bound (port 0 resolves at start).</summary>
public sealed class SidecarEndpoints
{
    internal ListenOptions? Proxy { get; set; }

    internal ListenOptions? Admin { get; set; }

    internal ListenOptions? Http2Proxy { get; set; }

    internal ListenOptions? Inbound { get; set; }

    /// <summary>Whether the inbound listener serves TLS with the sidecar's identity certificate (<c>https://</c>).</summary>
    internal bool InboundTls { get; set; }

    /// <summary>The proxy listener's address, e.g. <c>http://127.0.0.1:15001</c>.</summary>
    public Uri ProxyUri => ToUri(Proxy);

    /// <summary>The cleartext HTTP/2 proxy listener's address, or null when none is configured.</summary>
    public Uri? Http2ProxyUri => Http2Proxy is null ? null : ToUri(Http2Proxy);

    /// <summary>The admin listener's address, e.g. <c>http://127.0.0.1:15000</c>.</summary>
    public Uri AdminUri => ToUri(Admin);

    /// <summary>The admin listener's port, or -1 before start.</summary>
    public int AdminPort => Admin?.IPEndPoint?.Port ?? -1;

    /// <summary>The inbound listener's address (in front of the application), or null when none is configured.</summary>
    /// <remarks>Its scheme is <c>https</c> when it serves TLS (plain HTTP is still served there unless mTLS is required).</remarks>
    public Uri? InboundUri => Inbound is null ? null : ToUri(Inbound, InboundTls);

    /// <summary>The inbound listener's port, or -1 before start or when none is configured.</summary>
    public int InboundPort => Inbound?.IPEndPoint?.Port ?? -1;

    private static Uri ToUri(ListenOptions? options, bool https = false)
    {
        var endPoint = options?.IPEndPoint ?? throw new InvalidOperationException("the sidecar has not started");
        var address = endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.Loopback : endPoint.Address;
        return new Uri($"{(https ? "https" : "http")}://{new IPEndPoint(address, endPoint.Port)}");
    }
}
