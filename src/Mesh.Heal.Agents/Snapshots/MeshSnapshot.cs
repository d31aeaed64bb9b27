using Mesh.Heal.Healing;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Agents;

/// <summary>Everything the agents may read about the mesh at one moment, built by the coordinator.</summary>
/// <param name="Time">When it was taken; agents use it as "now".</param>
public sealed record MeshSnapshot(DateTimeOffset Time)
{
    /// <summary>Every service the control plane knows: with a policy, with sidecars, or called by one.</summary>
    public IReadOnlyList<string> Services { get; init; } = [];

    /// <summary>What each sidecar instance saw of each of its upstream clusters over the live window.</summary>
    public IReadOnlyList<EdgeObservation> Edges { get; init; } = [];

    /// <summary>How long <see cref="Edges"/> cover.</summary>
    public TimeSpan LiveWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The newest policy of each service that has one in the control plane, by service.</summary>
    public IReadOnlyDictionary<string, PolicyView> Policies { get; init; } = new Dictionary<string, PolicyView>(StringComparer.Ordinal);

    /// <summary>Per-second attempts and failures of each edge (<c>caller/cluster</c>, every instance summed), oldest first.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<EdgeSample>> History { get; init; } = new Dictionary<string, IReadOnlyList<EdgeSample>>(StringComparer.Ordinal);

    /// <summary>Fingerprints of the issues still open or mitigated, so an agent can hold a verdict with hysteresis.</summary>
    public IReadOnlySet<string> OpenIssues { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The healings of the last hours, newest first.</summary>
    public IReadOnlyList<RecentAction> Actions { get; init; } = [];

    /// <summary>Resource series of every instance that reports them (sidecar samples, Prometheus), oldest point first.</summary>
    public IReadOnlyList<ResourceSeries> Resources { get; init; } = [];

    /// <summary>Anomalous points the streaming detectors scored within the live window, newest per series.</summary>
    public IReadOnlyList<AnomalyReading> Anomalies { get; init; } = [];

    /// <summary>How each service with a cleanup configured gets one (<c>webhook</c>, <c>command</c>, <c>kubernetes</c>), by service.</summary>
    public IReadOnlyDictionary<string, string> Cleanups { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Demand and scaling history of every service with capacity planning configured.</summary>
    public IReadOnlyList<ServiceLoad> Loads { get; init; } = [];

    /// <summary>What the logs of every service whose logs are collected say.</summary>
    public IReadOnlyList<Logs.LogDigest> Logs { get; init; } = [];

    /// <summary>The git repositories of the services that name one, by service.</summary>
    public IReadOnlyDictionary<string, SourceTree> Sources { get; init; } = new Dictionary<string, SourceTree>(StringComparer.Ordinal);

    /// <summary>The observations of the callers of <paramref name="service"/>.</summary>
    public IEnumerable<EdgeObservation> CallersOf(string service) => Edges.Where(e => e.Upstream == service);

    /// <summary>The cluster policy <paramref name="caller"/> applies to <paramref name="cluster"/>, or null when the control plane holds no policy for it.</summary>
    public ClusterPolicy? PolicyOf(string caller, string cluster) => Policies.TryGetValue(caller, out var p) ? p.Policy.ForCluster(cluster) : null;
}

/// <summary>A service's newest policy in the control plane.</summary>
public sealed record PolicyView(string Service, long Version, ResiliencePolicy Policy, DateTimeOffset CreatedAt);

/// <summary>One sample of an edge's history.</summary>
/// <param name="Time">The start of the second.</param>
/// <param name="Attempts">Calls that reached the upstream (not rejected, not served by the fallback alone).</param>
/// <param name="Failures">Attempts that failed: 5xx, timeouts, transport errors.</param>
public sealed record EdgeSample(DateTimeOffset Time, long Attempts, long Failures);

/// <summary>A healing the coordinator recorded.</summary>
/// <param name="Key">The <see cref="HealingAction.Key"/>.</param>
/// <param name="Kind">The action's kind.</param>
/// <param name="Target">What it acted on.</param>
/// <param name="State">proposed, approved, rejected, applied, succeeded, failed or rolled_back.</param>
/// <param name="CreatedAt">When it was proposed.</param>
/// <param name="UpdatedAt">When its state last changed.</param>
public sealed record RecentAction(string Key, string Kind, string Target, string State, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>The service the proposing agent looked at (the one whose healing it is).</summary>
    public string Service { get; init; } = string.Empty;

    /// <summary>Whether it is in force: applied, or applied and verified.</summary>
    public bool InForce => State is "applied" or "succeeded";

    /// <summary>Whether it is still on its way: proposed, approved, or applied and not yet verified.</summary>
    public bool InFlight => State is "proposed" or "approved" or "applied";
}
