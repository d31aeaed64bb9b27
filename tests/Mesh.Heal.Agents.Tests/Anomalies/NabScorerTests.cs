using Mesh.Heal.Benchmarks.Detection;

namespace Mesh.Heal.Agents.Tests.Anomalies;

// The benchmark's NAB scorer (tests/Mesh.Heal.Benchmarks/Detection/NabScorer.cs, linked into this project) on cases
// worked out by hand from nab/sweeper.py. 100 points: probation 15; one window [40, 49] (width 10) unless stated.
public class NabScorerTests
{
    private static readonly NabProfile Standard = NabProfile.All[0];
    private static readonly NabProfile LowFp = NabProfile.All[1];
    private static readonly NabProfile LowFn = NabProfile.All[2];
    private static readonly (int, int)[] Window = [(40, 49)];

    [Theory]
    [InlineData(-1.0, 0.986614)]
    [InlineData(-0.5, 0.848284)]
    [InlineData(0.0, 0.0)]
    [InlineData(1.0, -0.986614)]
    [InlineData(3.0, -1.0)]
    public void ScaledSigmoid_Position_IsNabs(double x, double expected) => Assert.Equal(expected, NabScorer.ScaledSigmoid(x), 5);

    [Fact]
    public void Score_DetectionAtTheWindowsFirstPoint_IsPerfect()
    {
        var result = NabScorer.Score([File((40, 1.0))], Standard);

        Assert.Equal(1.0, result.Raw, 6);
        Assert.Equal(-1.0, result.Null);
        Assert.Equal(1.0, result.Perfect);
        Assert.Equal(100, result.Normalized, 6);
    }

    [Fact]
    public void Score_DetectionAtTheWindowsLastPoint_EarnsItsSigmoid()
    {
        // Position −(49 − 49 + 1) / 10 = −0.1: 2σ(0.5) − 1 = 0.244919, over 0.986614 = 0.248243.
        var result = NabScorer.Score([File((49, 1.0))], Standard);

        Assert.Equal(0.248243, result.Raw, 5);
        Assert.Equal(62.4121, result.Normalized, 3);
    }

    [Fact]
    public void Score_OnlyTheEarliestDetectionInAWindowCounts()
    {
        var result = NabScorer.Score([File((40, 1.0), (45, 1.0), (49, 1.0))], Standard);

        Assert.Equal(1.0, result.Raw, 6);
        Assert.Equal(0, result.FalsePositivePoints);
    }

    [Fact]
    public void Score_FalsePositiveBeforeAnyWindow_CostsTheFullFpWeightPerProfile()
    {
        var file = File((20, 1.0), (40, 1.0));

        Assert.Equal(0.89, NabScorer.Score([file], Standard).Raw, 6);
        Assert.Equal(94.5, NabScorer.Score([file], Standard).Normalized, 6);
        Assert.Equal(0.78, NabScorer.Score([file], LowFp).Raw, 6);
        // FN weight 2: null −2, perfect 1, so 100 · (0.89 + 2) / 3.
        Assert.Equal(96.3333, NabScorer.Score([file], LowFn).Normalized, 3);
    }

    [Fact]
    public void Score_FalsePositiveSoonAfterAWindow_CostsLessAndTheBestThresholdLeavesItOut()
    {
        // Point 54 is |49 − 54| / 9 = 0.5556 past the window: 2σ(−2.778) − 1 = −0.882926, × 0.11 = −0.097122.
        var file = File((40, 1.0), (54, 0.5));
        var (sweep, _) = NabScorer.Sweep(file, Standard);

        var result = NabScorer.Score([file], Standard);

        Assert.Equal(-0.097122, sweep[54], 5);
        Assert.Equal(1.0, result.Threshold);
        Assert.Equal(1.0, result.Raw, 6);
    }

    [Fact]
    public void Score_ProbationPoints_AreNotScored()
    {
        var result = NabScorer.Score([File((5, 1.0), (40, 1.0))], Standard);

        Assert.Equal(1.0, result.Raw, 6);
        Assert.Equal(0, result.FalsePositivePoints);
    }

    [Fact]
    public void Score_OneThresholdForAllFiles_IsTheBestTotal()
    {
        // File A detects its window at 0.9; file B (no window) has a false positive at 0.95. At 0.95: −1 − 0.11; at 0.9:
        // 1 − 0.11 = 0.89; above all: −1. The sweep takes 0.9.
        var a = File((40, 0.9));
        var b = new NabFile(Scores(100, (60, 0.95)), []);

        var result = NabScorer.Score([a, b], Standard);

        Assert.Equal(0.9, result.Threshold);
        Assert.Equal(0.89, result.Raw, 6);
        Assert.Equal(1, result.Detected);
        Assert.Equal(1, result.FalsePositivePoints);
    }

    [Fact]
    public void Score_NoDetection_IsTheNullScore()
    {
        var result = NabScorer.Score([File()], Standard);

        Assert.Equal(-1.0, result.Raw);
        Assert.Equal(0, result.Normalized);
    }

    [Fact]
    public void Windows_AnomaliesInASeries_AreCentredTenPercentOverTheirCount()
    {
        Assert.Equal([(450, 550)], NabScorer.Windows(1000, [500]));
        Assert.Equal([(275, 325), (675, 725)], NabScorer.Windows(1000, [700, 300]));
        Assert.Empty(NabScorer.Windows(1000, []));
    }

    [Theory]
    [InlineData(100, 15)]
    [InlineData(4000, 600)]
    [InlineData(22000, 750)]
    public void Probation_SeriesLength_IsFifteenPercentUpTo750(int count, int expected) => Assert.Equal(expected, NabScorer.Probation(count));

    private static NabFile File(params (int At, double Score)[] detections) => new(Scores(100, detections), Window);

    private static double[] Scores(int count, params (int At, double Score)[] detections)
    {
        var scores = new double[count];
        foreach (var (at, score) in detections)
        {
            scores[at] = score;
        }

        return scores;
    }
}
