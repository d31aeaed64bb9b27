using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Core.Tests.TimeSeries;

public class TrendTests
{
    [Fact]
    public void MannKendall_RisingSeries_IsSignificant()
    {
        var values = Enumerable.Range(0, 30).Select(i => i + (i % 3 == 0 ? 2.0 : 0)).ToList();

        var result = Trend.MannKendall(values);

        Assert.True(result.S > 0);
        Assert.True(result.P < 0.001, $"p = {result.P}");
        Assert.InRange(result.Tau, 0.8, 1);
    }

    [Fact]
    public void MannKendall_AlternatingSeries_IsNotSignificant()
    {
        var values = Enumerable.Range(0, 30).Select(i => i % 2 == 0 ? 1.0 : 2.0).ToList();

        var result = Trend.MannKendall(values);

        Assert.True(result.P > 0.5, $"p = {result.P}");
    }

    [Fact]
    public void TheilSen_LineWithOutliers_KeepsTheSlopeAndBracketsIt()
    {
        var x = Enumerable.Range(0, 40).Select(i => (double)i).ToList();
        var y = x.Select(v => 10 + 2 * v).ToList();
        y[5] = 1000;
        y[30] = -1000;

        var fit = Trend.TheilSen(x, y);

        Assert.Equal(2, fit.Slope, 6);
        Assert.Equal(10, fit.Intercept, 6);
        Assert.True(fit.SlopeLower <= 2 && fit.SlopeUpper >= 2);
        Assert.Equal(90, fit.At(40), 6);
    }

    [Theory]
    [InlineData(0.975, 1.959964)]
    [InlineData(0.5, 0)]
    [InlineData(0.001, -3.090232)]
    public void Normal_QuantileAndCdf_AreInverse(double p, double z)
    {
        Assert.Equal(z, Normal.Quantile(p), 5);
        Assert.Equal(p, Normal.Cdf(z), 5);
    }
}
