namespace Mesh.Heal.ControlPlane.Replication;

/// <summary>The ambient fencing token: the leader's term that the code running now acts under, or none.</summary>
/// <remarks>
/// The coordinator enters its term around each run; it flows with the run's awaits and the tasks it starts. While a term is
/// entered, every write the store makes checks in the same transaction that the lease still has that holder and epoch and has not
/// expired, and refuses with <see cref="LeadershipLostException"/> otherwise; the actuator dispatcher checks it before an actuator
/// calls out.
/// </remarks>
internal static class Fence
{
    private static readonly AsyncLocal<LeaderTerm?> Ambient = new();

    /// <summary>The term the current code acts under, or null when it acts for no leader (an operator, a sidecar).</summary>
    public static LeaderTerm? Current => Ambient.Value;

    /// <summary>Acts under <paramref name="term"/> until the returned scope is disposed.</summary>
    public static Scope Enter(LeaderTerm? term)
    {
        var previous = Ambient.Value;
        Ambient.Value = term;
        return new Scope(previous);
    }

    /// <summary>Restores the term that was ambient before <see cref="Enter"/>.</summary>
    internal readonly struct Scope(LeaderTerm? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
