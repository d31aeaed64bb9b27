namespace Mesh.Heal.Agents.Scaling;

/// <summary>The parts of a HorizontalPodAutoscaler (autoscaling/v2) spec that decide when it scales.</summary>
/// <param name="MinReplicas">spec.minReplicas.</param>
/// <param name="MaxReplicas">spec.maxReplicas.</param>
/// <param name="TargetUtilization">The target of the metric as a share of one replica's capacity (a CPU target of 70 % is 0.7).</param>
/// <param name="ScaleUpStabilization">spec.behavior.scaleUp.stabilizationWindowSeconds (Kubernetes default 0).</param>
/// <param name="ScaleDownStabilization">spec.behavior.scaleDown.stabilizationWindowSeconds (Kubernetes default 300 s).</param>
public sealed record HpaPolicy(int MinReplicas, int MaxReplicas, double TargetUtilization, TimeSpan ScaleUpStabilization, TimeSpan ScaleDownStabilization)
{
    /// <summary>The HPA controller's tolerance: no change while the metric is within this share of its target (Kubernetes default 0.1).</summary>
    public double Tolerance { get; init; } = 0.1;

    /// <summary>A policy with Kubernetes' defaults and the given bounds and target.</summary>
    public static HpaPolicy Default(int min, int max, double target) => new(min, max, target, TimeSpan.Zero, TimeSpan.FromMinutes(5));

    /// <summary>One line: <c>min 2, max 10, target 70 %, up 0 s, down 300 s</c>.</summary>
    public override string ToString() => FormattableString.Invariant(
        $"min {MinReplicas}, max {MaxReplicas}, target {TargetUtilization * 100:0} %, up {ScaleUpStabilization.TotalSeconds:0} s, down {ScaleDownStabilization.TotalSeconds:0} s");
}

/// <summary>One sample of a scaled service.</summary>
/// <param name="Time">When.</param>
/// <param name="Load">The load in the unit of <c>capacityPerReplica</c> (requests/s, cores).</param>
/// <param name="Replicas">The replicas serving then.</param>
public readonly record struct ScalingSample(DateTimeOffset Time, double Load, int Replicas);

/// <summary>How one scale-up or scale-down was judged.</summary>
/// <param name="Time">When the replica count changed.</param>
/// <param name="From">Replicas before.</param>
/// <param name="To">Replicas after.</param>
/// <param name="Verdict"><c>correct</c>, <c>unneeded</c> (a scale-up the load did not need), <c>late</c> (a scale-up after
/// the replicas had already saturated), <c>premature</c> (a scale-down the load did not allow) or <c>flap</c> (reversed
/// within the flap window).</param>
/// <param name="Reason">The figures behind the verdict.</param>
public sealed record ScalingEvent(DateTimeOffset Time, int From, int To, string Verdict, string Reason)
{
    /// <summary>Whether the verdict is <c>correct</c>.</summary>
    public bool Correct => Verdict == "correct";
}

/// <summary>How a replica history served its load.</summary>
/// <param name="Events">Every change of the replica count, judged.</param>
/// <param name="SaturatedShare">The share of samples where the load exceeded what the replicas could serve.</param>
/// <param name="ReplicaHours">Replica-hours spent.</param>
public sealed record ScalingReport(IReadOnlyList<ScalingEvent> Events, double SaturatedShare, double ReplicaHours)
{
    /// <summary>The share of correct events (1 when there were none).</summary>
    public double Accuracy => Events.Count == 0 ? 1 : (double)Events.Count(e => e.Correct) / Events.Count;

    /// <summary>How many events were not correct.</summary>
    public int Wrong => Events.Count(e => !e.Correct);
}
