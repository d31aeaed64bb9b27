using Mesh.Heal.Healing;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Agents;

/// <summary>What the agents may read about the mesh at one moment: its time, its services, and the typed slices the sources
/// built for the agents that declared them.</summary>
/// <param name="Time">When it was taken; agents use it as "now".</param>
/// <remarks>
/// A slice is read with <see cref="Get{T}"/> by its <see cref="SnapshotSliceKey{T}"/> (<see cref="EdgesSlice.Key"/>); a
/// slice the snapshot does not hold fails with a <see cref="MissingSliceException"/> that names it. A test builds only the
/// slices its agent reads, with <see cref="With{T}"/>.
/// </remarks>
public sealed record MeshSnapshot(DateTimeOffset Time)
{
    private IReadOnlyDictionary<string, object> _slices = new Dictionary<string, object>(StringComparer.Ordinal);

    /// <summary>Every service the control plane knows: with a policy, with sidecars, called by one, or configured.</summary>
    public IReadOnlyList<string> Services { get; init; } = [];

    /// <summary>The names of the slices it holds.</summary>
    public IEnumerable<string> Slices => _slices.Keys;

    /// <summary>The slice of <paramref name="key"/>, when the snapshot holds it.</summary>
    public bool TryGet<T>(SnapshotSliceKey<T> key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T slice)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_slices.TryGetValue(key.Name, out var value) && value is T typed)
        {
            slice = typed;
            return true;
        }

        slice = null;
        return false;
    }

    /// <summary>The slice of <paramref name="key"/>.</summary>
    /// <exception cref="MissingSliceException">The snapshot does not hold it.</exception>
    public T Get<T>(SnapshotSliceKey<T> key)
        where T : class =>
        TryGet(key, out var slice) ? slice : throw new MissingSliceException(key);

    /// <summary>A copy that holds <paramref name="slice"/> as <paramref name="key"/>, replacing a slice of that name.</summary>
    public MeshSnapshot With<T>(SnapshotSliceKey<T> key, T slice)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(slice);
        return this with { _slices = new Dictionary<string, object>(_slices, StringComparer.Ordinal) { [key.Name] = slice } };
    }
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
