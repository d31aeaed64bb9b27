namespace Mesh.Heal.Policy;

/// <summary>A versioned resilience policy for every upstream cluster of one sidecar.</summary>
public sealed record ResiliencePolicy
{
    /// <summary>The policy version: increases with every accepted change.</summary>
    public long Version { get; init; }

    /// <summary>Where the policy came from; not part of its rules.</summary>
    public PolicySource Source { get; init; }

    /// <summary>The policy of clusters that have no entry of their own.</summary>
    public ClusterPolicy Defaults { get; init; } = new();

    /// <summary>Per-cluster policies by cluster id.</summary>
    public IReadOnlyDictionary<string, ClusterPolicy> Clusters { get; init; } =
        new Dictionary<string, ClusterPolicy>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the service's inbound listener requires mesh mutual TLS of its callers (policy root key <c>Mtls</c>).</summary>
    /// <remarks>Default <see cref="MtlsMode.Permissive"/>.</remarks>
    public MtlsMode Mtls { get; init; }

    /// <summary>The policy that applies to <paramref name="clusterId"/>.</summary>
    public ClusterPolicy ForCluster(string clusterId) =>
        Clusters.TryGetValue(clusterId, out var policy) ? policy : Defaults;

    /// <summary>Whether <paramref name="other"/> holds the same rules, whatever the versions.</summary>
    public bool SameRulesAs(ResiliencePolicy other) =>
        Defaults == other.Defaults
        && Mtls == other.Mtls
        && Clusters.Count == other.Clusters.Count
        && Clusters.All(c => other.Clusters.TryGetValue(c.Key, out var o) && o == c.Value);
}
