namespace Mesh.Heal.Policy;

/// <summary>Retries of failed idempotent requests, bounded by a budget.</summary>
public sealed record RetryPolicy
{
    /// <summary>Attempts per request, the first one included: 1 means no retry.</summary>
    /// <remarks>Default 2; accepted 1 to 10. Only idempotent requests that are safe to send again are retried.</remarks>
    public int MaxAttempts { get; init; } = PolicyConstants.DefaultMaxAttempts;

    /// <summary>Retries allowed as a percentage of the requests in the sampling window.</summary>
    /// <remarks>Default 20; accepted 0 to 100. Retries are never sent into an open breaker.</remarks>
    public int BudgetPercent { get; init; } = PolicyConstants.DefaultBudgetPercent;
}
