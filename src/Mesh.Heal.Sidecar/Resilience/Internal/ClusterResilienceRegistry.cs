using System.Collections.Concurrent;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>The <see cref="ClusterResilience"/> of every cluster, kept in step with the policy in force.</summary>
internal sealed partial class ClusterResilienceRegistry
{
    private readonly ConcurrentDictionary<string, ClusterResilience> _clusters = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile ResiliencePolicy _policy = new();

    public ClusterResilienceRegistry(TimeProvider time, ILogger<ClusterResilienceRegistry> logger)
    {
        _time = time;
        _logger = logger;
    }

    public ResiliencePolicy Policy => _policy;

    public ICollection<ClusterResilience> Clusters => _clusters.Values;

    /// <summary>The cluster's resilience state, created from the policy in force on first use.</summary>
    public ClusterResilience Get(string clusterId)
    {
        if (_clusters.TryGetValue(clusterId, out var cluster))
        {
            return cluster;
        }

        lock (_lock)
        {
            return _clusters.GetOrAdd(clusterId, id => Create(id, _policy.ForCluster(id)));
        }
    }

    /// <summary>Applies a policy from the sidecar's own configuration, unless a control-plane policy is in force.</summary>
    /// <returns>False when a control-plane (or last-known-good) policy is in force, which local changes do not replace.</returns>
    public bool TryApplyLocal(ResiliencePolicy policy)
    {
        lock (_lock)
        {
            if (_policy.Source != PolicySource.Local)
            {
                return false;
            }

            Apply(policy);
            return true;
        }
    }

    /// <summary>Makes <paramref name="policy"/> the policy in force for every cluster.</summary>
    public void Apply(ResiliencePolicy policy)
    {
        lock (_lock)
        {
            _policy = policy;
            foreach (var (id, cluster) in _clusters)
            {
                if (cluster.Update(policy.ForCluster(id)))
                {
                    LogBreakerReset(_logger, id);
                }
            }

            foreach (var (id, clusterPolicy) in policy.Clusters)
            {
                _clusters.GetOrAdd(id, i => Create(i, clusterPolicy));
            }
        }
    }

    private ClusterResilience Create(string id, ClusterPolicy policy) =>
        new(id, policy, _time, (cluster, from, to) => LogTransition(_logger, cluster, from, to));
}
