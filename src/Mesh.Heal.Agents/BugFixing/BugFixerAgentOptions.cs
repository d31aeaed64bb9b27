namespace Mesh.Heal.Agents.BugFixing;

/// <summary>The bug fixer's thresholds; the <c>ControlPlane:Agents:BugFixer</c> section.</summary>
public sealed class BugFixerAgentOptions
{
    /// <summary>How many errors of one cluster within the burst window make a finding. Default 3.</summary>
    public int MinimumRecent { get; set; } = 3;

    /// <summary>The burst (recent over baseline) from which a finding is critical, when callers also see failures. Default 5.</summary>
    public double CriticalBurst { get; set; } = 5;

    /// <summary>The classification confidence from which a patch is proposed. Default 0.6.</summary>
    public double MinimumPatchConfidence { get; set; } = 0.6;

    /// <summary>How much a timeout fix raises the timeout. Default 2 (doubles it).</summary>
    public double TimeoutFactor { get; set; } = 2;

    /// <summary>The most a timeout fix raises a timeout to. Default 2 min.</summary>
    public TimeSpan MaximumTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The most clusters reported per service per run, highest burst first. Default 10.</summary>
    public int MaximumFindings { get; set; } = 10;

    /// <summary>The prefix of the branches patches go on; the cause and the cluster id follow. Default <c>meshheal/fix-</c>.</summary>
    public string BranchPrefix { get; set; } = "meshheal/fix-";
}
