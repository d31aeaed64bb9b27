using Mesh.Heal.Agents.Anomalies.Internal;

namespace Mesh.Heal.Agents.Tests.Anomalies.Internal;

public class ContextualAnomalyDetectorTests
{
    [Fact]
    public void Score_RepeatingPattern_IsLearnedAndABreakInItScores()
    {
        // A saw of period 8 over [0, 7]: after a while every step is predicted; then the pattern skips a step.
        var detector = new ContextualAnomalyDetector(0, 7, restPeriod: 5);
        var scores = new List<double>();
        for (var i = 0; i < 400; i++)
        {
            scores.Add(detector.Score(i % 8));
        }

        var learned = scores.Skip(300).Max();
        var broken = detector.Score(3);

        Assert.Equal(0, learned);
        Assert.True(broken > 0.5, $"the break scored {broken}");
    }

    [Fact]
    public void Score_AfterAHighScore_RestsForTheRestPeriod()
    {
        var detector = new ContextualAnomalyDetector(0, 7, restPeriod: 20);
        for (var i = 0; i < 400; i++)
        {
            detector.Score(i % 8);
        }

        var first = detector.Score(3);
        var next = Enumerable.Range(0, 10).Select(_ => detector.Score(6)).ToList();

        Assert.True(first >= 0.75, $"the break scored {first}");
        Assert.All(next, s => Assert.Equal(0, s));
    }

    [Fact]
    public void Score_FirstRestPeriod_IsZero()
    {
        // The reference seeds its history with 1.0, so nothing is reported until that has left the rest window.
        var detector = new ContextualAnomalyDetector(0, 100, restPeriod: 30);

        var scores = Enumerable.Range(0, 30).Select(i => detector.Score(i * 37 % 101)).ToList();

        Assert.All(scores, s => Assert.Equal(0, s));
    }
}
