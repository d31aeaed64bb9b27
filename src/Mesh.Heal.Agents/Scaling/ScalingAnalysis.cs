namespace Mesh.Heal.Agents.Scaling;

/// <summary>Judges a service's scaling events against its load, replays its load under an HPA policy, and searches for
/// the policy that would have scaled it with fewer wrong events.</summary>
/// <remarks>
/// <para>
/// Utilisation is load ÷ (replicas × capacity per replica). A scale-up is <c>correct</c> when, over the judging window
/// after it, the old count would have run above the target (beyond the tolerance), <c>unneeded</c> otherwise, and
/// <c>late</c> when the old count had already saturated (utilisation over 1) in the window before it. A scale-down is
/// <c>correct</c> when the new count stays within the target over the window after it, and <c>premature</c> otherwise.
/// An event followed within the flap window by one the other way is a <c>flap</c>, whatever else it was.
/// </para>
/// <para>
/// The replay follows the HPA controller (Kubernetes docs, "Horizontal Pod Autoscaling: algorithm details"): at every
/// sample, desired = ceil(current × utilisation ÷ target), no change within the tolerance; the scale-down takes the
/// highest recommendation of its stabilization window and the scale-up the lowest of its own; the default behaviour's
/// rate limit (at most double, or four more, a period); min and max bound it; a new replica serves from the next sample.
/// </para>
/// </remarks>
public static class ScalingAnalysis
{
    /// <summary>Judges every change of the replica count in <paramref name="samples"/> (time order).</summary>
    public static ScalingReport Judge(IReadOnlyList<ScalingSample> samples, double capacityPerReplica, double target, ScalingJudgeOptions? options = null)
    {
        options ??= new ScalingJudgeOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(capacityPerReplica, 0);
        var events = new List<ScalingEvent>();
        var high = target * (1 + options.Tolerance);
        for (var i = 1; i < samples.Count; i++)
        {
            var (from, to) = (samples[i - 1].Replicas, samples[i].Replicas);
            if (from == to || from <= 0)
            {
                continue;
            }

            var t = samples[i].Time;
            var after = Peak(samples, i, t, t + options.Window);
            var before = Peak(samples, i - 1, t - options.Window, t, backwards: true);
            string verdict, reason;
            if (to > from)
            {
                var old = after / (from * capacityPerReplica);
                var saturated = before / (from * capacityPerReplica);
                (verdict, reason) = saturated > 1
                    ? ("late", Invariant($"{from} replicas were already at {saturated:P0} of capacity before it"))
                    : old > high
                        ? ("correct", Invariant($"{from} replicas would have run at {old:P0}, above the {target:P0} target"))
                        : ("unneeded", Invariant($"{from} replicas would have run at {old:P0}, within the {target:P0} target"));
            }
            else
            {
                var kept = after / (to * capacityPerReplica);
                (verdict, reason) = kept > high
                    ? ("premature", Invariant($"{to} replicas ran at {kept:P0}, above the {target:P0} target"))
                    : ("correct", Invariant($"{to} replicas ran at {kept:P0}, within the {target:P0} target"));
            }

            events.Add(new ScalingEvent(t, from, to, verdict, reason));
        }

        // A reversal within the flap window makes both ends flaps.
        for (var i = 1; i < events.Count; i++)
        {
            var (a, b) = (events[i - 1], events[i]);
            if (Math.Sign(a.To - a.From) != Math.Sign(b.To - b.From) && b.Time - a.Time <= options.FlapWindow)
            {
                var note = Invariant($"reversed within {(b.Time - a.Time).TotalMinutes:0.#} min");
                events[i - 1] = a with { Verdict = "flap", Reason = a.Verdict == "flap" ? a.Reason : $"{note} ({a.Reason})" };
                events[i] = b with { Verdict = "flap", Reason = $"{note} ({b.Reason})" };
            }
        }

        var saturatedSamples = 0;
        var replicaHours = 0.0;
        for (var i = 0; i < samples.Count; i++)
        {
            if (samples[i].Replicas <= 0 || samples[i].Load > samples[i].Replicas * capacityPerReplica)
            {
                saturatedSamples++;
            }

            if (i > 0)
            {
                replicaHours += samples[i - 1].Replicas * (samples[i].Time - samples[i - 1].Time).TotalHours;
            }
        }

        return new ScalingReport(events, samples.Count == 0 ? 0 : (double)saturatedSamples / samples.Count, replicaHours);
    }

    /// <summary>Replays the load of <paramref name="samples"/> under <paramref name="policy"/>, starting from the first
    /// sample's replicas; returns the samples with the replicas the policy would have run.</summary>
    public static IReadOnlyList<ScalingSample> Replay(IReadOnlyList<ScalingSample> samples, double capacityPerReplica, HpaPolicy policy)
    {
        var result = new List<ScalingSample>(samples.Count);
        if (samples.Count == 0)
        {
            return result;
        }

        var current = Math.Clamp(samples[0].Replicas, policy.MinReplicas, policy.MaxReplicas);
        var recommendations = new List<(DateTimeOffset Time, int Desired)>();
        foreach (var sample in samples)
        {
            result.Add(sample with { Replicas = current });
            var utilisation = sample.Load / (current * capacityPerReplica);
            var ratio = utilisation / policy.TargetUtilization;
            var desired = Math.Abs(ratio - 1) <= policy.Tolerance ? current : (int)Math.Ceiling(current * ratio);
            desired = Math.Clamp(desired, policy.MinReplicas, policy.MaxReplicas);
            recommendations.Add((sample.Time, desired));
            var window = policy.ScaleDownStabilization > policy.ScaleUpStabilization ? policy.ScaleDownStabilization : policy.ScaleUpStabilization;
            recommendations.RemoveAll(r => r.Time < sample.Time - window);

            // Scale down to the highest recommendation of the down window, up to the lowest of the up window.
            var downTo = Max(recommendations, sample.Time - policy.ScaleDownStabilization);
            var upTo = Min(recommendations, sample.Time - policy.ScaleUpStabilization);
            var next = current;
            if (upTo > current)
            {
                next = Math.Min(upTo, Math.Max(current * 2, current + 4));
            }
            else if (downTo < current)
            {
                next = downTo;
            }

            current = Math.Clamp(next, policy.MinReplicas, policy.MaxReplicas);
        }

        return result;
    }

    /// <summary>Searches targets and stabilization windows around <paramref name="current"/> for the policy whose replay
    /// saturates no more often, has the fewest wrong events, and spends the fewest replica-hours.</summary>
    public static ScalingSuggestion Suggest(IReadOnlyList<ScalingSample> samples, double capacityPerReplica, HpaPolicy current, ScalingJudgeOptions? options = null)
    {
        options ??= new ScalingJudgeOptions();
        var baseline = Judge(Replay(samples, capacityPerReplica, current), capacityPerReplica, current.TargetUtilization, options);
        var best = (Policy: current, Report: baseline);
        double[] targets = [0.5, 0.6, 0.7, 0.75, 0.8, current.TargetUtilization];
        TimeSpan[] downs = [TimeSpan.Zero, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), current.ScaleDownStabilization];
        TimeSpan[] ups = [TimeSpan.Zero, TimeSpan.FromMinutes(1), current.ScaleUpStabilization];
        foreach (var target in targets.Distinct())
        {
            foreach (var down in downs.Distinct())
            {
                foreach (var up in ups.Distinct())
                {
                    var policy = current with { TargetUtilization = target, ScaleDownStabilization = down, ScaleUpStabilization = up };
                    // Judged against the current target: a lower target must earn its place by saturating less, not by
                    // calling more of its own events correct.
                    var report = Judge(Replay(samples, capacityPerReplica, policy), capacityPerReplica, current.TargetUtilization, options);
                    if (Better(report, best.Report))
                    {
                        best = (policy, report);
                    }
                }
            }
        }

        return new ScalingSuggestion(current, baseline, best.Policy, best.Report);
    }

    private static bool Better(ScalingReport candidate, ScalingReport best) =>
        candidate.SaturatedShare < best.SaturatedShare - 1e-9
        || (Math.Abs(candidate.SaturatedShare - best.SaturatedShare) <= 1e-9
            && (candidate.Wrong < best.Wrong || (candidate.Wrong == best.Wrong && candidate.ReplicaHours < best.ReplicaHours * 0.99)));

    private static double Peak(IReadOnlyList<ScalingSample> samples, int from, DateTimeOffset start, DateTimeOffset end, bool backwards = false)
    {
        var peak = 0.0;
        for (var i = from; i >= 0 && i < samples.Count; i += backwards ? -1 : 1)
        {
            var time = samples[i].Time;
            if (backwards ? time < start : time >= end)
            {
                break;
            }

            peak = Math.Max(peak, samples[i].Load);
        }

        return peak;
    }

    private static int Max(List<(DateTimeOffset Time, int Desired)> recommendations, DateTimeOffset since)
    {
        var value = int.MinValue;
        foreach (var r in recommendations)
        {
            if (r.Time >= since)
            {
                value = Math.Max(value, r.Desired);
            }
        }

        return value;
    }

    private static int Min(List<(DateTimeOffset Time, int Desired)> recommendations, DateTimeOffset since)
    {
        var value = int.MaxValue;
        foreach (var r in recommendations)
        {
            if (r.Time >= since)
            {
                value = Math.Min(value, r.Desired);
            }
        }

        return value;
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}

/// <summary>How scaling events are judged.</summary>
public sealed class ScalingJudgeOptions
{
    /// <summary>How long after (and before) an event its load is read. Default 10 min.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>An event reversed within this is a flap. Default 15 min.</summary>
    public TimeSpan FlapWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How far above the target utilisation still counts as on target (the HPA's own tolerance). Default 0.1.</summary>
    public double Tolerance { get; set; } = 0.1;
}

/// <summary>The replay of the current policy and of the best one found.</summary>
/// <param name="Current">The policy in force.</param>
/// <param name="CurrentReport">Its replay, judged.</param>
/// <param name="Suggested">The best policy found (the current one when none did better).</param>
/// <param name="SuggestedReport">Its replay, judged.</param>
public sealed record ScalingSuggestion(HpaPolicy Current, ScalingReport CurrentReport, HpaPolicy Suggested, ScalingReport SuggestedReport)
{
    /// <summary>Whether the suggestion differs from the policy in force.</summary>
    public bool Changes => Suggested != Current;
}
