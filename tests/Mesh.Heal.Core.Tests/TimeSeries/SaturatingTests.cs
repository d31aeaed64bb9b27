using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Core.Tests.TimeSeries;

public class SaturatingTests
{
    [Theory]
    [InlineData(1, 2, 3)]
    [InlineData(long.MaxValue, 1, long.MaxValue)]
    [InlineData(long.MaxValue, long.MaxValue, long.MaxValue)]
    [InlineData(long.MaxValue - 1, 1, long.MaxValue)]
    [InlineData(long.MinValue, -1, long.MinValue)]
    [InlineData(long.MaxValue, long.MinValue, -1)]
    public void Add_Long_StopsAtTheEnds(long a, long b, long expected) => Assert.Equal(expected, Saturating.Add(a, b));

    [Theory]
    [InlineData(1.5, 2, 3.5)]
    [InlineData(double.MaxValue, double.MaxValue, double.MaxValue)]
    [InlineData(1e308, 1e308, double.MaxValue)]
    [InlineData(5, double.NaN, 5)]
    public void Add_Double_StaysFinite(double a, double b, double expected) => Assert.Equal(expected, Saturating.Add(a, b));

    [Fact]
    public void LatencyQuantile_OfSaturatedBuckets_StaysInTheirRange()
    {
        var counts = new long[LatencyHistogram.BucketCount];
        counts[0] = long.MaxValue;
        counts[1] = long.MaxValue;

        Assert.InRange(LatencyHistogram.Quantile(counts, 0.99), 0, LatencyHistogram.BoundsMs[1]);
        Assert.InRange(LatencyHistogram.Quantile(counts, 0.01), 0, LatencyHistogram.BoundsMs[1]);
    }
}
