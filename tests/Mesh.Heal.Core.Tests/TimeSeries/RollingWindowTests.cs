using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.Core.Tests.TimeSeries;

public class RollingWindowTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Sum_CountsEventsInsideTheWindow()
    {
        var window = new RollingWindow(TimeSpan.FromSeconds(10), _time.TimestampFrequency);
        window.Record(_time.GetTimestamp(), failure: false);
        window.Record(_time.GetTimestamp(), failure: true);
        window.RecordExtra(_time.GetTimestamp());

        var counts = window.Sum(_time.GetTimestamp());

        Assert.Equal(new WindowCounts(2, 1, 1), counts);
        Assert.Equal(0.5, counts.FailureRatio);
    }

    [Fact]
    public void Sum_SlidesOldBucketsOut()
    {
        var window = new RollingWindow(TimeSpan.FromSeconds(10), _time.TimestampFrequency);
        for (var second = 0; second < 10; second++)
        {
            window.Record(_time.GetTimestamp(), failure: second < 5);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(9, window.Sum(_time.GetTimestamp()).Total); // the first second has left the window
        _time.Advance(TimeSpan.FromSeconds(4));
        var counts = window.Sum(_time.GetTimestamp());
        Assert.Equal(5, counts.Total);
        Assert.Equal(0, counts.Failures);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(default, window.Sum(_time.GetTimestamp()));
    }

    [Fact]
    public void Record_AfterALongGap_ReusesBucketsCleanly()
    {
        var window = new RollingWindow(TimeSpan.FromSeconds(1), _time.TimestampFrequency, bucketCount: 4);
        window.Record(_time.GetTimestamp(), failure: true);
        _time.Advance(TimeSpan.FromSeconds(100));
        window.Record(_time.GetTimestamp(), failure: false);

        Assert.Equal(new WindowCounts(1, 0, 0), window.Sum(_time.GetTimestamp()));
    }

    [Fact]
    public void Clear_ForgetsEverything()
    {
        var window = new RollingWindow(TimeSpan.FromSeconds(10), _time.TimestampFrequency);
        window.Record(_time.GetTimestamp(), failure: true);
        window.Clear();

        Assert.Equal(default, window.Sum(_time.GetTimestamp()));
    }
}
