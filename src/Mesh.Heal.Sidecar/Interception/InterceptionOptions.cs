namespace Mesh.Heal.Sidecar.Interception;

/// <summary>The <c>Sidecar:Interception</c> settings: serving traffic that iptables redirected to the proxy listener.</summary>
public sealed class InterceptionOptions
{
    /// <summary>Whether the proxy listener serves intercepted traffic: routed by Host to the cluster of that name, else passed through.</summary>
    /// <remarks>
    /// Default false. When on, a request whose Host (or HTTP/2 authority) names a cluster (<c>orders</c>, <c>orders:8080</c>,
    /// <c>orders.ns</c>, <c>orders.ns.svc</c>, <c>orders.ns.svc.cluster.local</c>) goes through that cluster with its whole
    /// resilience policy, before the configured routes; a redirected connection (one whose original destination,
    /// SO_ORIGINAL_DST, is not the listener itself) uses only these Host routes, and a request on it for no known cluster
    /// is passed through to its original destination without protection. Explicit calls keep the configured routes.
    /// </remarks>
    public bool Enabled { get; set; }

    /// <summary>How long the first bytes of a redirected connection are awaited to tell HTTP/1.x from anything else.</summary>
    /// <remarks>
    /// Default 100 ms (as Istio's was); accepted 10 ms to 10 s. A redirected connection whose first bytes begin an
    /// HTTP/1.x request line (<c>GET </c>, <c>POST </c>, ...) is served as HTTP; any other (a TLS ClientHello, the h2
    /// preface, binary) is carried as opaque TCP to its original destination, and so is one that sends nothing for this
    /// long (a server-first protocol such as MySQL or SMTP waits for the server's greeting). Explicit calls are not sniffed.
    /// </remarks>
    public TimeSpan ProtocolDetectionTimeout { get; set; } = InterceptionConstants.ProtocolDetectionTimeout;
}
