using Mesh.Heal.Agents.Forecasting;

namespace Mesh.Heal.Agents.Tests.Forecasting;

/// <summary>The backtest error distribution: its quantiles and exceedance probabilities agree and stay probabilities.</summary>
public class ForecastErrorsTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.2)]
    [InlineData(2.0)]
    public void Exceedance_AnyMissScale_IsAMonotoneProbabilityThatInvertsTheQuantile(double scale)
    {
        var scores = Enumerable.Range(0, 1000).Select(i => (i - 500) / 100.0).ToArray();
        var errors = new ForecastErrors([1], scores, 10) { UpperMissScale = scale, LowerMissScale = scale };

        var previous = 1.0;
        for (var z = -6.0; z <= 8; z += 0.05)
        {
            var p = errors.Exceedance(z);
            Assert.InRange(p, 0, 1);
            Assert.True(p <= previous + 1e-12, $"exceedance rose from {previous} to {p} at {z}");
            previous = p;
        }

        var q = errors.Quantile(0.99);
        Assert.InRange(errors.Exceedance(q), 0.005, 0.0101);
        Assert.True(errors.Quantile(0.999) >= q);
    }
}
