using Mesh.Heal.Agents.Anomalies;
using Mesh.Heal.Agents.Tests.Resources;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Tests.Anomalies;

public class AnomalyDetectorTests
{
    private static readonly double Threshold = new AnomalyDetectorOptions().Threshold;

    [Fact]
    public void ScoreAll_SpikeInNoise_IsFlaggedOnceAndItsRepeatsSuppressed()
    {
        // 2000 points at 5 min; three points in a row 15 noise widths up at 1500.
        var points = LeakDetectorTests.Series(2000, i => 100 + LeakDetectorTests.Noise(i, 5) + (i is >= 1500 and <= 1502 ? 75 : 0), TimeSpan.FromMinutes(5));

        var scores = AnomalyDetector.ScoreAll(points);

        Assert.True(scores[1500] >= Threshold, $"spike scored {scores[1500]}");
        Assert.Equal(0, scores[1501]);
        Assert.Equal(0, scores[1502]);
        var elsewhere = Enumerable.Range(0, 2000).Where(i => i != 1500).MaxBy(i => scores[i]);
        Assert.True(scores[elsewhere] < Threshold, $"point {elsewhere} scored {scores[elsewhere]}");
        Assert.All(scores, s => Assert.InRange(s, 0, 1));
    }

    [Fact]
    public void Update_DuringProbation_ScoresZeroEvenForAnOutlier()
    {
        var detector = new AnomalyDetector(new AnomalyDetectorOptions { ProbationPoints = 100 });
        var points = LeakDetectorTests.Series(130, i => 100 + LeakDetectorTests.Noise(i, 5) + (i is 50 or 120 ? 500 : 0));

        var scores = points.Select(p => detector.Update(p.Time, p.Value)).ToList();

        Assert.All(scores.Take(100), s => Assert.Equal(0, s));
        Assert.False(detector.InProbation);
        Assert.True(scores[120] >= Threshold, $"the outlier after probation scored {scores[120]}");
    }

    [Fact]
    public void Update_TimeBasedProbation_EndsWhenTheTimeHasPassed()
    {
        var detector = new AnomalyDetector(new AnomalyDetectorOptions { ProbationPoints = 10_000, ProbationTime = TimeSpan.FromMinutes(60) });
        var points = LeakDetectorTests.Series(90, i => 100 + LeakDetectorTests.Noise(i, 5));

        foreach (var p in points.Take(60))
        {
            Assert.Equal(0, detector.Update(p.Time, p.Value));
        }

        Assert.True(detector.InProbation);
        detector.Update(points[60].Time, points[60].Value);
        Assert.False(detector.InProbation);
    }

    [Fact]
    public void ScoreAll_PersistentLevelShift_IsFlaggedAtItsStartThenLearned()
    {
        var points = LeakDetectorTests.Series(3000, i => (i < 1500 ? 100 : 160) + LeakDetectorTests.Noise(i, 5), TimeSpan.FromMinutes(5));

        var scores = AnomalyDetector.ScoreAll(points);

        var first = Enumerable.Range(0, 3000).First(i => scores[i] >= Threshold);
        Assert.InRange(first, 1500, 1505);
        var later = Enumerable.Range(first + 1, 3000 - first - 1).Where(i => scores[i] >= Threshold).ToList();
        Assert.True(later.Count == 0, $"after the shift, alarms at {string.Join(", ", later)}");
    }

    [Fact]
    public void ScoreAll_NoisyFlatLine_RaisesNoAlarm()
    {
        var points = LeakDetectorTests.Series(4000, i => 40 + LeakDetectorTests.Noise(i, 8), TimeSpan.FromMinutes(5));

        var scores = AnomalyDetector.ScoreAll(points);

        var worst = Enumerable.Range(0, scores.Count).MaxBy(i => scores[i]);
        Assert.True(scores[worst] < Threshold, $"point {worst} scored {scores[worst]}");
    }

    [Fact]
    public void ScoreAll_MissingPointsGap_IsNoAlarm()
    {
        // Nine days at 5 min with a daily swing; six hours of points are missing on day 6.
        var step = TimeSpan.FromMinutes(5);
        var all = LeakDetectorTests.Series(9 * 288, i => 200 + 60 * Math.Sin(2 * Math.PI * i / 288) + LeakDetectorTests.Noise(i, 4), step);
        var points = all.Where((_, i) => i is < 6 * 288 or >= (6 * 288) + 72).ToList();

        var scores = AnomalyDetector.ScoreAll(points);

        var worst = Enumerable.Range(0, scores.Count).MaxBy(i => scores[i]);
        Assert.True(scores[worst] < Threshold, $"{points[worst].Time:ddd HH:mm} scored {scores[worst]}");
    }

    [Fact]
    public void ScoreAll_DailySeasonality_IsLearnedAndADeviationFromItIsFound()
    {
        // 10 days at 10 min: a daily swing of ±50 around 200; on day 9 at 03:00 (the trough) the value is the daily mean,
        // well inside the range the series spans.
        var step = TimeSpan.FromMinutes(10);
        var anomaly = 9 * 144 + 18;
        var points = LeakDetectorTests.Series(
            1440, i => 200 + 50 * Math.Sin(2 * Math.PI * ((i * 10 / 60.0 - 9) / 24)) + LeakDetectorTests.Noise(i, 4) + (i == anomaly ? 50 : 0), step);

        var scores = AnomalyDetector.ScoreAll(points);

        var elsewhere = Enumerable.Range(0, 1440).Where(i => i != anomaly).MaxBy(i => scores[i]);
        Assert.True(scores[elsewhere] < Threshold, $"{points[elsewhere].Time:ddd HH:mm} of a learned season scored {scores[elsewhere]}");
        Assert.True(scores[anomaly] >= Threshold, $"the off-season point scored {scores[anomaly]}");
    }

    [Fact]
    public void ScoreAll_ChangeBelowTheFloor_IsNoAnomaly()
    {
        // A thread count: 20, and for a while 21. With a floor of 2 threads, one more is nothing.
        var points = LeakDetectorTests.Series(1000, i => i is >= 700 and < 760 ? 21 : 20);

        var scores = AnomalyDetector.ScoreAll(points, new AnomalyDetectorOptions { MinimumScale = 2 });

        Assert.All(scores, s => Assert.Equal(0, s));
    }

    [Fact]
    public void ScoreAll_SuppressTime_SilencesRepeatsForThatLong()
    {
        // Two spikes an hour apart: with 2 h of suppression the second is silent, with 30 min it is an alarm of its own.
        var points = LeakDetectorTests.Series(2000, i => 100 + LeakDetectorTests.Noise(i, 5) + (i is 1500 or 1560 ? 90 : 0));

        var longer = AnomalyDetector.ScoreAll(points, new AnomalyDetectorOptions { SuppressTime = TimeSpan.FromHours(2) });
        var shorter = AnomalyDetector.ScoreAll(points, new AnomalyDetectorOptions { SuppressTime = TimeSpan.FromMinutes(30) });

        Assert.True(longer[1500] >= Threshold);
        Assert.Equal(0, longer[1560]);
        Assert.True(shorter[1560] >= Threshold, $"the second spike scored {shorter[1560]}");
    }

    [Fact]
    public void Update_ContextMemoryPastItsCap_StartsAgainAndStillFindsASpike()
    {
        // A noisy stream keeps creating contexts; with a cap of 1000 the memory is rebuilt from the last points.
        var points = LeakDetectorTests.Series(800, i => 100 + LeakDetectorTests.Noise(i, 20) + (i == 700 ? 200 : 0));
        var capped = new AnomalyDetector(new AnomalyDetectorOptions { ProbationPoints = 100, MaximumContexts = 1000 });
        var free = new AnomalyDetector(new AnomalyDetectorOptions { ProbationPoints = 100, MaximumContexts = int.MaxValue });

        var scores = points.Select(p => capped.Update(p.Time, p.Value)).ToList();
        foreach (var p in points)
        {
            free.Update(p.Time, p.Value);
        }

        Assert.True(free.Contexts > 1000, $"the uncapped detector holds only {free.Contexts} contexts: the cap was never reached");
        Assert.InRange(capped.Contexts, 1, 1100);
        Assert.True(scores[700] >= Threshold, $"the spike scored {scores[700]}");
    }

    [Fact]
    public void ScoreAll_CounterWithRestarts_RaisesNoAlarm()
    {
        // A request counter (about 50 a step) whose process restarts, counting again from 0, every 700 points: each
        // restart is a fall to 0 and each climb sets new highs, neither an anomaly.
        var points = LeakDetectorTests.Series(3000, i => Counted(i, _ => 50), TimeSpan.FromMinutes(5));

        var scores = AnomalyDetector.ScoreAll(points);

        var worst = Enumerable.Range(0, scores.Count).MaxBy(i => scores[i]);
        Assert.True(scores[worst] < Threshold, $"point {worst} of the counter scored {scores[worst]}");
    }

    [Fact]
    public void ScoreAll_CounterRateSurge_IsFlagged()
    {
        // The same counter counting four times as fast for three steps from 2000.
        var points = LeakDetectorTests.Series(3000, i => Counted(i, j => j is >= 2000 and <= 2002 ? 200 : 50), TimeSpan.FromMinutes(5));

        var scores = AnomalyDetector.ScoreAll(points);

        Assert.True(scores.Skip(2000).Take(3).Max() >= Threshold, $"the surge scored {scores.Skip(2000).Take(3).Max()}");
        var elsewhere = Enumerable.Range(0, scores.Count).Where(i => i is < 2000 or > 2002).MaxBy(i => scores[i]);
        Assert.True(scores[elsewhere] < Threshold, $"point {elsewhere} scored {scores[elsewhere]}");
    }

    [Fact]
    public void Update_CounterAfterProbation_ExpectsTheNextCount()
    {
        var detector = new AnomalyDetector(new AnomalyDetectorOptions { ProbationPoints = 300 });
        var points = LeakDetectorTests.Series(400, i => Counted(i, _ => 50), TimeSpan.FromMinutes(5));

        foreach (var p in points)
        {
            detector.Update(p.Time, p.Value);
        }

        Assert.False(detector.InProbation);
        Assert.InRange(detector.Expected, points[^1].Value - 30, points[^1].Value + 30);
    }

    [Fact]
    public void ScoreAll_SameSeries_SameScores()
    {
        var points = LeakDetectorTests.Series(1500, i => 100 + LeakDetectorTests.Noise(i, 5) + (i % 97 == 0 ? 30 : 0));

        Assert.Equal(AnomalyDetector.ScoreAll(points), AnomalyDetector.ScoreAll(points));
    }

    [Theory]
    [InlineData(100, 15)]
    [InlineData(4000, 600)]
    [InlineData(20000, 750)]
    public void ProbationLength_SeriesLength_IsNabs(int count, int expected) => Assert.Equal(expected, AnomalyDetector.ProbationLength(count));

    [Fact]
    public void ScoreAll_TwentyThousandPoints_ScoresEveryPoint()
    {
        var points = LeakDetectorTests.Series(20_000, i => 50 + 10 * Math.Sin(2 * Math.PI * i / 288) + LeakDetectorTests.Noise(i, 2), TimeSpan.FromMinutes(5));

        var scores = AnomalyDetector.ScoreAll(points);

        Assert.Equal(points.Count, scores.Count);
        Assert.All(scores, s => Assert.InRange(s, 0, 1));
    }

    internal static List<SeriesPoint> Weeks(DateTimeOffset monday, int weeks, Func<DateTimeOffset, double> level) =>
        Enumerable.Range(0, weeks * 7 * 144).Select(i =>
        {
            var time = monday + TimeSpan.FromMinutes(10) * i;
            return new SeriesPoint(time, level(time) + LeakDetectorTests.Noise(i, 6));
        }).ToList();

    // A counter of increment(j) (with noise) per step since its last restart; it restarts every 700 points.
    private static double Counted(int i, Func<int, double> increment)
    {
        var total = 0.0;
        for (var j = i - (i % 700); j <= i; j++)
        {
            total += increment(j) + LeakDetectorTests.Noise(j, 5);
        }

        return Math.Round(total);
    }
}
