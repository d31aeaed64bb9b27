namespace Mesh.Heal.Policy;

/// <summary>When a cluster's breaker opens, how long it stays open, and when the cluster counts as degraded.</summary>
public sealed record CircuitBreakerPolicy
{
    /// <summary>Failed share of calls in the sampling window that opens the breaker.</summary>
    /// <remarks>Default 0.5; accepted greater than 0 and at most 1.</remarks>
    public double FailureRatio { get; init; } = PolicyConstants.DefaultFailureRatio;

    /// <summary>Calls needed in the sampling window before the ratio is acted on.</summary>
    /// <remarks>Default 10; accepted 2 to 1,000,000.</remarks>
    public int MinimumThroughput { get; init; } = PolicyConstants.DefaultMinimumThroughput;

    /// <summary>Length of the sliding window over which outcomes are counted.</summary>
    /// <remarks>Default 10 s; accepted 0.5 s to 1 day.</remarks>
    public TimeSpan SamplingDuration { get; init; } = PolicyConstants.DefaultSamplingDuration;

    /// <summary>How long the breaker stays open before a probe is let through.</summary>
    /// <remarks>Default 5 s; accepted 0.5 s to 1 day.</remarks>
    public TimeSpan BreakDuration { get; init; } = PolicyConstants.DefaultBreakDuration;

    /// <summary>Failed calls in a row, with no success between them, that open the breaker whatever the ratio; 0 turns this off.</summary>
    /// <remarks>
    /// Default 10; accepted 0 to 1000. The ratio needs failures to outweigh the window's earlier successes, which
    /// after a sudden death takes about half the window; a run of failures opens the breaker as soon as it is seen.
    /// </remarks>
    public int ConsecutiveFailures { get; init; } = PolicyConstants.DefaultConsecutiveFailuresToTrip;

    /// <summary>Calls slower than this count as failures; <see langword="null"/> turns slow-call detection off.</summary>
    /// <remarks>Default off; accepted 1 ms to 1 day.</remarks>
    public TimeSpan? SlowCallDuration { get; init; }

    /// <summary>Failed share of calls at which a closed cluster is reported Degraded.</summary>
    /// <remarks>Default 0.1; accepted greater than 0 and at most <see cref="FailureRatio"/>.</remarks>
    public double DegradedRatio { get; init; } = PolicyConstants.DefaultDegradedRatio;

    /// <summary>How long traffic takes to ramp back from the fallback to the primary after the probe passes.</summary>
    /// <remarks>Default 5 s; accepted 0 (no ramp) to 1 hour.</remarks>
    public TimeSpan RecoveryDuration { get; init; } = PolicyConstants.DefaultRecoveryDuration;
}
