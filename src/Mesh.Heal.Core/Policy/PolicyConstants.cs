namespace Mesh.Heal.Policy;

/// <summary>Defaults and accepted ranges of the resilience policy, in one place.</summary>
internal static class PolicyConstants
{
    public const double DefaultFailureRatio = 0.5;
    public const int DefaultMinimumThroughput = 10;
    public static readonly TimeSpan DefaultSamplingDuration = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromSeconds(5);
    public const int DefaultConsecutiveFailuresToTrip = 10;
    public const double DefaultDegradedRatio = 0.1;
    public static readonly TimeSpan DefaultRecoveryDuration = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);
    public const int DefaultMaxAttempts = 2;
    public const int DefaultBudgetPercent = 20;
    public const int DefaultConsecutiveFailures = 5;
    public static readonly TimeSpan DefaultEjectionDuration = TimeSpan.FromSeconds(10);
    public const int DefaultMaxEjectionPercent = 50;
    public const int DefaultFallbackStatusCode = 503;
    public const string DefaultFallbackContentType = "text/plain; charset=utf-8";

    // Polly's own limits for the breaker: below them it throws at build time.
    public const int MinMinimumThroughput = 2;
    public const int MaxMinimumThroughput = 1_000_000;
    public static readonly TimeSpan MinBreakerDuration = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxBreakerDuration = TimeSpan.FromDays(1);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);
    public static readonly TimeSpan MaxRecoveryDuration = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxEjectionDuration = TimeSpan.FromHours(1);
    public const int MaxMaxAttempts = 10;
    public const int MaxConsecutiveFailures = 1000;

    // Bounds on what one policy may hold, so that a policy cannot make the sidecar or the control plane allocate without end.
    public const int MaxClusters = 1000;
    public const int MinFallbackStatusCode = 200;
    public const int MaxFallbackStatusCode = 599;
    public const int MaxFallbackHeaders = 32;
    public const int MaxFallbackHeaderBytes = 4096;
    public const int MaxFallbackBodyBytes = 64 * 1024;
}
