using Mesh.Heal.Agents.CircuitBreaker;
using Mesh.Heal.Agents.Resources;
using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>How the coordinator runs the agents and turns their actions into healings; the <c>ControlPlane:Healing</c> section.</summary>
public sealed class HealingOptions
{
    /// <summary>Whether the coordinator runs at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often every agent runs for every service; a sidecar's state change runs them sooner. Default 5 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The time one agent gets for one service; past it the run is abandoned and recorded as a finding about the agent. Default 2 s.</summary>
    public TimeSpan AgentBudget { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The window of live telemetry the agents judge. Default 10 s.</summary>
    public TimeSpan LiveWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The highest risk applied without an operator's approval. Default <see cref="ActionRisk.Low"/>.</summary>
    /// <remarks>Medium lets resource cleanups and breaker tunings apply by themselves; high is refused by validation: a
    /// restart of a service's only replica always waits for a person. A code change is a review whatever this says: the bug
    /// fixer's pull request opens by itself, and a person merges it.</remarks>
    public ActionRisk AutoApplyRisk { get; set; } = ActionRisk.Low;

    /// <summary>Dry-run everywhere: nothing is applied automatically, everything is recorded. Default false.</summary>
    public bool DryRun { get; set; }

    /// <summary>Services in dry-run.</summary>
    public string[] DryRunServices { get; set; } = [];

    /// <summary>Agents in dry-run.</summary>
    public string[] DryRunAgents { get; set; } = [];

    /// <summary>How long after applying a healing its signal is measured, and over how long before it. Default 10 s.</summary>
    public TimeSpan VerificationWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a healing gets to take effect (push, ACK, breakers settling) before the verification window starts. Default 2 s.</summary>
    public TimeSpan VerificationSettle { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How much the caller-seen failure ratio may rise before a healing counts as making things worse. Default 0.05.</summary>
    public double WorseMargin { get; set; } = 0.05;

    /// <summary>How long an issue must go unreported before it is resolved. Default 15 s.</summary>
    public TimeSpan ResolveAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a healing rolled back for making things worse is not proposed again. Default 30 min.</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How much per-second history the agents get. Default 1 h (the retention of 1 s rollups).</summary>
    public TimeSpan History { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>The agents' own settings; the <c>ControlPlane:Agents</c> section.</summary>
public sealed class AgentOptions
{
    /// <summary>The circuit breaker agent's thresholds.</summary>
    public CircuitBreakerAgentOptions CircuitBreaker { get; set; } = new();

    /// <summary>The resource exhaustion agent's windows and thresholds.</summary>
    public ResourceExhaustionAgentOptions Resources { get; set; } = new();

    /// <summary>The capacity planner's thresholds.</summary>
    public Agents.Capacity.CapacityPlannerAgentOptions Capacity { get; set; } = new();

    /// <summary>The scaling adjuster's thresholds and the bounds of the changes it applies by itself.</summary>
    public Agents.Scaling.ScalingAdjusterAgentOptions Scaling { get; set; } = new();

    /// <summary>The bug fixer's thresholds, and how far its timeout fixes go.</summary>
    public Agents.BugFixing.BugFixerAgentOptions BugFixer { get; set; } = new();
}
