using Mesh.Heal.Agents.Anomalies;
using Mesh.Heal.TimeSeries;
using Mesh.Heal.Agents.Tests.Resources;

namespace Mesh.Heal.Agents.Tests.Anomalies;

public class AnomalyDetectorTests
{
    [Fact]
    public void Update_SpikeInNoise_ScoresHighOnlyAtTheSpike()
    {
        var points = LeakDetectorTests.Series(400, i => 100 + LeakDetectorTests.Noise(i, 5) + (i == 300 ? 60 : 0));

        var scores = AnomalyDetector.ScoreAll(points);

        Assert.True(scores[300] > 0.9, $"spike scored {scores[300]}");
        Assert.True(scores.Where((_, i) => i != 300).Max() < 0.5, $"max elsewhere {scores.Where((_, i) => i != 300).Max()}");
        Assert.All(scores, s => Assert.InRange(s, 0, 1));
    }

    [Fact]
    public void Update_LevelShift_ScoresTheShiftThenAdapts()
    {
        var points = LeakDetectorTests.Series(600, i => (i < 300 ? 100 : 160) + LeakDetectorTests.Noise(i, 5));

        var scores = AnomalyDetector.ScoreAll(points);

        Assert.True(scores[300] > 0.9);
        Assert.True(scores.Skip(320).Max() < 0.5, $"after the shift {scores.Skip(320).Max()}");
    }

    [Fact]
    public void Update_DailySeasonality_IsLearnedAndADeviationFromItIsFound()
    {
        // 10 days at 10 min: a daily swing of ±50 around 200; on day 9 at 03:00 (the trough) the value is the daily mean.
        var step = TimeSpan.FromMinutes(10);
        var anomaly = 9 * 144 + 18;
        var points = LeakDetectorTests.Series(
            1440, i => 200 + 50 * Math.Sin(2 * Math.PI * ((i * 10 / 60.0 - 9) / 24)) + LeakDetectorTests.Noise(i, 4) + (i == anomaly ? 50 : 0), step);

        var scores = AnomalyDetector.ScoreAll(points);

        var afterLearning = scores.Skip(4 * 144).Where((_, i) => i + 4 * 144 != anomaly).Max();
        Assert.True(afterLearning < 0.5, $"a learned season still scored {afterLearning}");
        Assert.True(scores[anomaly] > 0.5, $"the off-season point scored {scores[anomaly]}");
    }

    [Fact]
    public void Update_WeekendDip_IsLearnedFromTheSecondWeek()
    {
        // Three weeks at 10 min from a Monday: 200 ± 6 on weekdays, 20 % less at the weekend; on the third Wednesday at noon, 150.
        var step = TimeSpan.FromMinutes(10);
        var monday = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var anomaly = (14 + 2) * 144 + 72;
        var points = Enumerable.Range(0, 21 * 144).Select(i =>
        {
            var time = monday + step * i;
            var weekend = time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            return new SeriesPoint(time, (weekend ? 160 : 200) + LeakDetectorTests.Noise(i, 6) + (i == anomaly ? -50 : 0));
        }).ToList();

        var scores = AnomalyDetector.ScoreAll(points);

        var thirdWeek = Enumerable.Range(14 * 144, 7 * 144).Where(i => i != anomaly).Max(i => scores[i]);
        Assert.True(thirdWeek < 0.5, $"the third week's weekend still scored {thirdWeek}");
        Assert.True(scores[anomaly] > 0.9, $"the dip scored {scores[anomaly]}");
    }
}
