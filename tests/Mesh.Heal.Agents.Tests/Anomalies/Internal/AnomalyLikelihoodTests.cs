using Mesh.Heal.Agents.Anomalies.Internal;

namespace Mesh.Heal.Agents.Tests.Anomalies.Internal;

public class AnomalyLikelihoodTests
{
    [Theory]
    [InlineData(0, 0.5)]
    [InlineData(1.0, 0.158655)]
    [InlineData(-1.0, 0.841345)]
    [InlineData(4.264891, 1e-5)]
    [InlineData(6.361341, 1e-10)]
    public void LogUpperTail_StandardNormal_MatchesTheTable(double x, double tail) =>
        Assert.Equal(Math.Log(tail), AnomalyLikelihood.LogUpperTail(x), 3);

    [Fact]
    public void Update_OrdinaryValues_ScoreLowAndAnOutlierScoresHigh()
    {
        var likelihood = new AnomalyLikelihood(1, 1000, 100, 0.1);
        var ordinary = Enumerable.Range(0, 500).Select(i => likelihood.Update(1 + 0.5 * Math.Sin(i * 0.7))).ToList();

        var outlier = likelihood.Update(10);

        Assert.All(ordinary.Take(100), s => Assert.Equal(0, s));
        Assert.True(ordinary.Skip(100).Max() < 0.3, $"an ordinary value scored {ordinary.Skip(100).Max()}");
        Assert.Equal(1, outlier, 3);
    }
}
