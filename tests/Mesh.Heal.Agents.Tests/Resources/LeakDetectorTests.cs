using Mesh.Heal.Agents.Resources;
using Mesh.Heal.Healing;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Tests.Resources;

/// <summary>The leak detector on shapes a memory or handle series takes: each must be told apart from a leak.</summary>
public class LeakDetectorTests
{
    private const double Mb = 1024 * 1024;
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Analyze_SawtoothOnRisingTroughs_IsALeakWithTimeToExhaustion()
    {
        // 6 h at 1 min: a GC cycle every 20 min from 200 MB up 60 MB; the live set grows 10 MB/h. Limit 400 MB.
        var points = Series(360, i => 200 * Mb + 10 * Mb * i / 60.0 + 3 * Mb * (i % 20) + Noise(i, 1 * Mb));

        var verdict = LeakDetector.Analyze(points, 400 * Mb);

        Assert.True(verdict.Leak);
        Assert.Equal(LeakKind.Leak, verdict.Kind);
        Assert.InRange(verdict.SlopePerHour / Mb, 8, 12);
        // Peaks now ≈ 200 + 60 + 57 = 317 MB: about 8 h left.
        Assert.InRange(verdict.TimeToExhaustionHours!.Value, 5.5, 11);
        Assert.True(verdict.LowerHours <= verdict.TimeToExhaustionHours && verdict.TimeToExhaustionHours <= verdict.UpperHours);
        Assert.Equal(FindingSeverity.Critical, verdict.Severity);
    }

    [Fact]
    public void Analyze_SawtoothOnFlatTroughs_IsNotALeak()
    {
        var points = Series(360, i => 200 * Mb + 3 * Mb * (i % 20) + Noise(i, 1 * Mb));

        var verdict = LeakDetector.Analyze(points, 400 * Mb);

        Assert.False(verdict.Leak);
        Assert.Equal(LeakKind.Sawtooth, verdict.Kind);
        Assert.Null(verdict.TimeToExhaustionHours);
    }

    [Fact]
    public void Analyze_WarmUpRamp_IsNotALeak()
    {
        // Caches filling: 100 MB rising to 300 MB with a 40 min time constant, over 8 h.
        var points = Series(480, i => 100 * Mb + 200 * Mb * (1 - Math.Exp(-i / 40.0)) + Noise(i, 2 * Mb));

        var verdict = LeakDetector.Analyze(points, 1024 * Mb);

        Assert.False(verdict.Leak);
        Assert.Equal(LeakKind.WarmUp, verdict.Kind);
    }

    [Fact]
    public void Analyze_StepChange_IsNotALeak()
    {
        var points = Series(480, i => (i < 200 ? 150 : 260) * Mb + Noise(i, 3 * Mb));

        var verdict = LeakDetector.Analyze(points, 1024 * Mb);

        Assert.False(verdict.Leak);
        Assert.Equal(LeakKind.Step, verdict.Kind);
    }

    [Fact]
    public void Analyze_Noise_IsStable()
    {
        var points = Series(480, i => 150 * Mb + Noise(i, 10 * Mb));

        var verdict = LeakDetector.Analyze(points, 1024 * Mb);

        Assert.False(verdict.Leak);
        Assert.Equal(LeakKind.Stable, verdict.Kind);
    }

    [Fact]
    public void Analyze_HandleLeakOverDays_IsAWarning()
    {
        // Open handles: 300 ± 5, one more every 12 min; limit 65,536.
        var points = Series(600, i => 300 + i / 12.0 + Noise(i, 5), TimeSpan.FromMinutes(1));

        var verdict = LeakDetector.Analyze(points, 8192);

        Assert.True(verdict.Leak);
        // ≈ (8192 − 350) / 5 per hour ≈ 1,570 h ≈ 65 days: past the warning window.
        Assert.InRange(verdict.TimeToExhaustionHours!.Value, 1000, 2500);
        Assert.Equal(FindingSeverity.Info, verdict.Severity);
    }

    [Fact]
    public void Analyze_TooFewPoints_SaysSo()
    {
        var verdict = LeakDetector.Analyze(Series(5, i => i), 100);

        Assert.Equal(LeakKind.InsufficientData, verdict.Kind);
        Assert.Equal("insufficient-data", verdict.KindName);
    }

    [Fact]
    public void Analyze_AlreadyOverTheLimit_HasNoTimeLeft()
    {
        var points = Series(120, i => 500 + i);

        var verdict = LeakDetector.Analyze(points, 550);

        Assert.True(verdict.Leak);
        Assert.Equal(0, verdict.TimeToExhaustionHours);
    }

    internal static List<SeriesPoint> Series(int count, Func<int, double> value, TimeSpan? step = null) =>
        Enumerable.Range(0, count).Select(i => new SeriesPoint(Start + (step ?? TimeSpan.FromMinutes(1)) * i, value(i))).ToList();

    // Deterministic noise in [-amplitude, amplitude].
    internal static double Noise(int i, double amplitude)
    {
        // SplitMix64: neighbouring seeds of System.Random give correlated first draws, which look like a trend.
        var z = (ulong)i * 0x9E3779B97F4A7C15UL + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return amplitude * (2 * (z >> 11) / (double)(1UL << 53) - 1);
    }
}
