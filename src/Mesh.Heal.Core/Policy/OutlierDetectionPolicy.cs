namespace Mesh.Heal.Policy;

/// <summary>Passive ejection of one bad destination of a cluster before the whole cluster breaks.</summary>
public sealed record OutlierDetectionPolicy
{
    /// <summary>Consecutive failures (transport error, timeout, 5xx) that eject a destination; 0 turns ejection off.</summary>
    /// <remarks>Default 5; accepted 0 to 1000.</remarks>
    public int ConsecutiveFailures { get; init; } = PolicyConstants.DefaultConsecutiveFailures;

    /// <summary>How long an ejected destination stays out of the rotation.</summary>
    /// <remarks>Default 10 s; accepted 0.5 s to 1 hour.</remarks>
    public TimeSpan EjectionDuration { get; init; } = PolicyConstants.DefaultEjectionDuration;

    /// <summary>Most destinations of a cluster that may be ejected at once, in percent; the last one never is.</summary>
    /// <remarks>Default 50; accepted 0 to 100.</remarks>
    public int MaxEjectionPercent { get; init; } = PolicyConstants.DefaultMaxEjectionPercent;
}
