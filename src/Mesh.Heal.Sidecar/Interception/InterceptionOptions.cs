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
}
