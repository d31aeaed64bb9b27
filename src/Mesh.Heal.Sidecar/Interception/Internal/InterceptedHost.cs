namespace Mesh.Heal.Sidecar.Interception.Internal;

/// <summary>Decides whether a request's Host names a cluster, the way a Kubernetes service name is written.</summary>
/// <remarks>
/// <c>orders</c> is named by <c>orders</c>, <c>orders.&lt;namespace&gt;</c>, <c>orders.&lt;namespace&gt;.svc</c> and
/// <c>orders.&lt;namespace&gt;.svc.cluster.local</c>, with any port and an optional trailing dot, ignoring case. A cluster
/// whose id holds dots is named by its id only. No allocation: it runs for every candidate route of every request.
/// </remarks>
internal static class InterceptedHost
{
    /// <summary>The host name of a Host header value, without its port or a trailing dot; empty for an IPv6 literal or nothing.</summary>
    public static ReadOnlySpan<char> Name(string? host)
    {
        if (string.IsNullOrEmpty(host) || host[0] == '[')
        {
            return default;
        }

        var name = host.AsSpan();
        var colon = name.IndexOf(':');
        if (colon >= 0)
        {
            name = name[..colon];
        }

        return name.EndsWith('.') ? name[..^1] : name;
    }

    /// <summary>Whether <paramref name="name"/> (from <see cref="Name"/>) names <paramref name="cluster"/>.</summary>
    public static bool Names(ReadOnlySpan<char> name, string cluster)
    {
        if (name.IsEmpty || !name.StartsWith(cluster, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (name.Length == cluster.Length)
        {
            return true;
        }

        if (name[cluster.Length] != '.')
        {
            return false;
        }

        // What follows the service: "<namespace>", "<namespace>.svc" or "<namespace>.svc.cluster.local".
        var rest = name[(cluster.Length + 1)..];
        var dot = rest.IndexOf('.');
        if (dot < 0)
        {
            return !rest.IsEmpty;
        }

        var suffix = rest[(dot + 1)..];
        return dot > 0 && (suffix.Equals("svc", StringComparison.OrdinalIgnoreCase) || suffix.Equals("svc.cluster.local", StringComparison.OrdinalIgnoreCase));
    }
}
