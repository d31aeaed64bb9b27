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
    public void Update_WeekendDip_IsLearnedOnceItRecurs()
    {
        // Four weeks at 10 min from a Monday: 200 ± 6 on weekdays, 20 % less at the weekend; on the fourth Wednesday at noon, 150.
        // The first weekend could be a one-off; the second, in the same hours, makes it a weekly pattern.
        var monday = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var anomaly = (21 + 2) * 144 + 72;
        var points = Weeks(monday, 4, time => time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 160 : 200, anomaly, -50);

        var scores = AnomalyDetector.ScoreAll(points);

        // From an hour into the third week (the second weekend's end is adopted in its first points) on, nothing is unusual.
        var learned = Enumerable.Range(14 * 144 + 6, 14 * 144 - 6).Where(i => i != anomaly).MaxBy(i => scores[i]);
        Assert.True(scores[learned] < 0.5, $"after two weekends, {points[learned].Time:ddd HH:mm} of week {learned / (7 * 144) + 1} still scored {scores[learned]}");
        Assert.True(scores[anomaly] > 0.9, $"the dip scored {scores[anomaly]}");
    }

    [Fact]
    public void Update_OneOffTwoDayDrop_IsNotExpectedTheNextWeek()
    {
        // A drop from Friday to Sunday of the first week only: the second week's Friday to Sunday are ordinary days.
        var monday = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var points = Weeks(monday, 3, time => time < monday.AddDays(7) && time.DayOfWeek is DayOfWeek.Friday or DayOfWeek.Saturday or DayOfWeek.Sunday ? 140 : 200, -1, 0);

        var scores = AnomalyDetector.ScoreAll(points);

        var secondWeek = Enumerable.Range(8 * 144, 13 * 144).MaxBy(i => scores[i]);
        Assert.True(scores[secondWeek] < 0.5, $"{points[secondWeek].Time:ddd HH:mm} of week {secondWeek / (7 * 144) + 1} scored {scores[secondWeek]}: the one-off drop was learned as a weekly pattern");
    }

    private static List<SeriesPoint> Weeks(DateTimeOffset monday, int weeks, Func<DateTimeOffset, double> level, int anomaly, double by) =>
        Enumerable.Range(0, weeks * 7 * 144).Select(i =>
        {
            var time = monday + TimeSpan.FromMinutes(10) * i;
            return new SeriesPoint(time, level(time) + LeakDetectorTests.Noise(i, 6) + (i == anomaly ? by : 0));
        }).ToList();
}
