namespace Mesh.Heal.Policy;

/// <summary>The resilience policy of one upstream cluster.</summary>
public sealed record ClusterPolicy
{
    /// <summary>The circuit breaker and health thresholds.</summary>
    public CircuitBreakerPolicy CircuitBreaker { get; init; } = new();

    /// <summary>Time allowed for one attempt, response body included.</summary>
    /// <remarks>Default 15 s; accepted 1 ms to 1 day.</remarks>
    public TimeSpan Timeout { get; init; } = PolicyConstants.DefaultTimeout;

    /// <summary>Retries with a budget.</summary>
    public RetryPolicy Retry { get; init; } = new();

    /// <summary>What serves when the primary cannot; <see langword="null"/> for none (the default).</summary>
    public FallbackPolicy? Fallback { get; init; }

    /// <summary>Passive ejection of bad destinations.</summary>
    public OutlierDetectionPolicy OutlierDetection { get; init; } = new();

    /// <summary>An operator's override of the breaker.</summary>
    /// <remarks>Default <see cref="BreakerOverride.None"/>. <see cref="BreakerOverride.ForceFallback"/> needs a <see cref="Fallback"/>.</remarks>
    public BreakerOverride Override { get; init; }
}
