namespace Mesh.Heal.Sidecar.PolicySync.Internal;

/// <summary>Exponential backoff with jitter for reconnecting to the control plane.</summary>
/// <remarks>
/// The n-th wait is drawn uniformly from [d/2, d] where d = min(<see cref="Max"/>, <see cref="Initial"/> × 2^n): the
/// jitter keeps a fleet of sidecars from reconnecting in step after a control-plane restart, and the lower half-bound
/// keeps any of them from hammering it. The random source is injected so tests are deterministic.
/// </remarks>
internal sealed class ReconnectBackoff(Func<double> random)
{
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(250);

    public static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    public ReconnectBackoff()
        : this(Random.Shared.NextDouble)
    {
    }

    /// <summary>The wait before reconnect attempt <paramref name="attempt"/> (0 for the first after a drop).</summary>
    public TimeSpan Delay(int attempt)
    {
        var ceiling = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (0.5 * random())));
    }
}
