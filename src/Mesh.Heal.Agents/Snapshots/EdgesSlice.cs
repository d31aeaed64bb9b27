using Mesh.Heal.Policy;

namespace Mesh.Heal.Agents;

/// <summary>The call graph as the sidecars see it: each sidecar's observations of its upstreams over the live window, the
/// per-second history of each edge, and the policy each caller applies.</summary>
/// <remarks>Built by the control plane's telemetry source; read by the circuit breaker and, for the signals of their actions
/// and the context of errors, by the other agents.</remarks>
public sealed record EdgesSlice
{
    /// <summary>The slice's key.</summary>
    public static readonly SnapshotSliceKey<EdgesSlice> Key = new("edges");

    /// <summary>What each sidecar instance saw of each of its upstream clusters over the live window.</summary>
    public IReadOnlyList<EdgeObservation> Edges { get; init; } = [];

    /// <summary>How long <see cref="Edges"/> cover.</summary>
    public TimeSpan LiveWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The newest policy of each service that has one in the control plane, by service.</summary>
    public IReadOnlyDictionary<string, PolicyView> Policies { get; init; } = new Dictionary<string, PolicyView>(StringComparer.Ordinal);

    /// <summary>Per-second attempts and failures of each edge (<c>caller/cluster</c>, every instance summed), oldest first.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<EdgeSample>> History { get; init; } = new Dictionary<string, IReadOnlyList<EdgeSample>>(StringComparer.Ordinal);

    /// <summary>The observations of the callers of <paramref name="service"/>.</summary>
    public IEnumerable<EdgeObservation> CallersOf(string service) => Edges.Where(e => e.Upstream == service);

    /// <summary>The cluster policy <paramref name="caller"/> applies to <paramref name="cluster"/>, or null when the control plane holds no policy for it.</summary>
    public ClusterPolicy? PolicyOf(string caller, string cluster) => Policies.TryGetValue(caller, out var p) ? p.Policy.ForCluster(cluster) : null;
}
