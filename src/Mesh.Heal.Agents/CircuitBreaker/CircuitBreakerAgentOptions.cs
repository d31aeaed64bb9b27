namespace Mesh.Heal.Agents.CircuitBreaker;

/// <summary>Thresholds of the <see cref="CircuitBreakerAgent"/>; bound from <c>ControlPlane:Agents:CircuitBreaker</c>.</summary>
public sealed class CircuitBreakerAgentOptions
{
    /// <summary>Attempts a caller instance needs in the live window for its view to count. Default 5.</summary>
    public int MinimumAttempts { get; set; } = 5;

    /// <summary>Failed attempts over attempts at which a caller sees the upstream failing. Default 0.5.</summary>
    public double FailingRatio { get; set; } = 0.5;

    /// <summary>Failure ratio at which the upstream is degraded, and below which an open verdict ends (hysteresis). Default 0.1.</summary>
    public double DegradedRatio { get; set; } = 0.1;

    /// <summary>Share of the observing callers that must see the failure for it to be the upstream's, not one caller's. Default 0.5 (a strict majority).</summary>
    public double Quorum { get; set; } = 0.5;

    /// <summary>Latency below which an upstream is never called slow, whatever its callers' timeouts. Default 250 ms.</summary>
    public TimeSpan SlowLatency { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Cascade risk at which the agent acts on a caller. Default 0.3.</summary>
    public double ActionRisk { get; set; } = 0.3;

    /// <summary>How much of a caller's risk passes on to its own callers, per hop. Default 0.7.</summary>
    public double TransitiveDecay { get; set; } = 0.7;

    /// <summary>Share of the smallest timeout of a caller's callers that its tightened timeout gets. Default 0.5.</summary>
    public double TightenShare { get; set; } = 0.5;

    /// <summary>The shortest timeout the agent sets. Default 100 ms.</summary>
    public TimeSpan MinimumTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The shortest time a forced fallback is held while no caller can see the upstream. Default 30 s.</summary>
    /// <remarks>The hold is the recovery estimate when there is one, doubled for every earlier hold of the last hour, within <see cref="MaximumHold"/>.</remarks>
    public TimeSpan MinimumHold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest hold. Default 10 min.</summary>
    public TimeSpan MaximumHold { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long failure must last in the history to count as an outage, not noise. Default 5 s.</summary>
    public TimeSpan OutageMinimum { get; set; } = TimeSpan.FromSeconds(5);
}
