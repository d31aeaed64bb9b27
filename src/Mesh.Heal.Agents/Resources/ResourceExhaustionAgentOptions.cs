namespace Mesh.Heal.Agents.Resources;

/// <summary>The resource exhaustion agent's settings; the <c>ControlPlane:Agents:Resources</c> section.</summary>
public sealed class ResourceExhaustionAgentOptions
{
    /// <summary>How leaks are told from other shapes, and the severity windows.</summary>
    public LeakDetectorOptions Detector { get; set; } = new();

    /// <summary>A cleanup is proposed once the early end of the time to exhaustion is within this. Default 6 h.</summary>
    /// <remarks>Early enough to act before the limit; late enough not to restart a replica for a leak that would take weeks.</remarks>
    public TimeSpan CleanupLead { get; set; } = TimeSpan.FromHours(6);

    /// <summary>The anomaly score from which a detector's point becomes a finding. Default 0.5.</summary>
    public double AnomalyThreshold { get; set; } = 0.5;

    /// <summary>The anomaly score from which that finding is a warning rather than info. Default 0.9.</summary>
    public double AnomalyWarning { get; set; } = 0.9;
}
