using Mesh.Heal.Agents.Scaling;

namespace Mesh.Heal.Agents.Tests.Scaling;

/// <summary>Scaling events judged against the load that followed, and the HPA replay that the suggestions rest on.</summary>
public class ScalingAnalysisTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Judge_EachKindOfEvent_GetsItsVerdict()
    {
        // One replica serves 100, target 70 %. Minute by minute:
        //  0-29  load 200 on 3 (67 %);  30: up to 4 with load rising to 300 (on 3 it would be 100 %): correct
        //  60: down to 2 while load stays 300 (150 %): premature;   90: up to 6 at load 300 after saturating on 2: late
        // 120: up to 8 at load 300 (6 would run at 50 %): unneeded
        var samples = Enumerable.Range(0, 150).Select(m => new ScalingSample(
            Start.AddMinutes(m), m < 30 ? 200 : 300, m < 30 ? 3 : m < 60 ? 4 : m < 90 ? 2 : m < 120 ? 6 : 8)).ToList();

        var report = ScalingAnalysis.Judge(samples, 100, 0.7);

        Assert.Equal(["correct", "premature", "late", "unneeded"], report.Events.Select(e => e.Verdict));
        Assert.Equal(0.25, report.Accuracy);
        Assert.Contains("would have run at 100", report.Events[0].Reason, StringComparison.Ordinal);
        Assert.InRange(report.SaturatedShare, 29 / 150.0, 31 / 150.0); // minutes 60-89 on 2 replicas at 300
    }

    [Fact]
    public void Judge_ReversalWithinTheFlapWindow_MakesBothFlaps()
    {
        var samples = Enumerable.Range(0, 60).Select(m => new ScalingSample(Start.AddMinutes(m), 200, m is >= 20 and < 25 ? 4 : 3)).ToList();

        var report = ScalingAnalysis.Judge(samples, 100, 0.7);

        Assert.Equal(2, report.Events.Count);
        Assert.All(report.Events, e => Assert.Equal("flap", e.Verdict));
        Assert.Contains("reversed within 5 min", report.Events[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_FollowsTheHpaFormulaToleranceAndBounds()
    {
        // Load steps 100 -> 500 -> 520 -> 100; 100 per replica, target 50 %: ceil(2 × 500/100 / 0.5 / 2) = 10, clamped to 8.
        var loads = new[] { 100.0, 100, 500, 500, 520, 520, 100, 100, 100, 100 };
        var samples = loads.Select((l, i) => new ScalingSample(Start.AddMinutes(i), l, 2)).ToList();
        var policy = new HpaPolicy(2, 8, 0.5, TimeSpan.Zero, TimeSpan.FromMinutes(2));

        var replay = ScalingAnalysis.Replay(samples, 100, policy).Select(s => s.Replicas).ToArray();

        // Minute 2 sees 500 on 2 (250 %): the default rate limit allows 2 -> 6 (+4), then 6 -> 8 (max). 520 on 8 is 65 %, 1.3× the
        // target: desired ceil(10.4) = 11, held at 8. At 100 the scale-down waits out its 2-minute window, then goes to the minimum (a decision serves from the next sample).
        Assert.Equal([2, 2, 2, 6, 8, 8, 8, 8, 8, 2], replay);
    }

    [Fact]
    public void Suggest_FlappingPolicy_FindsAStabilizationThatRemovesTheFlaps()
    {
        var samples = Enumerable.Range(0, 180).Select(m => new ScalingSample(Start.AddMinutes(m), m / 3 % 2 == 0 ? 150 : 260, 3)).ToList();
        var current = new HpaPolicy(2, 10, 0.7, TimeSpan.Zero, TimeSpan.Zero);

        var suggestion = ScalingAnalysis.Suggest(samples, 100, current);

        Assert.True(suggestion.CurrentReport.Wrong > 10, $"the current policy replayed with {suggestion.CurrentReport.Wrong} wrong events");
        Assert.True(suggestion.Changes);
        Assert.True(suggestion.SuggestedReport.Wrong < suggestion.CurrentReport.Wrong / 4);
        Assert.True(suggestion.SuggestedReport.SaturatedShare <= suggestion.CurrentReport.SaturatedShare);
        Assert.True(suggestion.Suggested.ScaleDownStabilization >= TimeSpan.FromMinutes(3));
    }
}
