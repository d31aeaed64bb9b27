using Mesh.Heal.Benchmarks.Load;

namespace Mesh.Heal.IntegrationTests.Load;

/// <summary>How the load benchmark judges a run against issue 18's targets.</summary>
public sealed class LoadTargetsTests
{
    private static readonly LoadFigures AllMet = new(
        RssAt1000Mb: 25, SidecarRps: 40_000, BareYarpJitRps: 38_000, NginxRps: 45_000, CpuPer1000: 0.04, NginxCpuPer1000: 0.03,
        AddedP99Us: 150, NginxAddedP99Us: 160, ReadyMs: 40, FloorP99Us: 5);

    [Fact]
    public void Evaluate_EveryFigureWithinItsBound_AllMet()
    {
        var results = LoadTargets.Evaluate(AllMet);

        Assert.Equal(6, results.Count);
        Assert.All(results, r => Assert.True(r.Met, r.Target));
    }

    [Fact]
    public void Evaluate_RssBetween30And40_MissedWithTheStepMet()
    {
        var rss = LoadTargets.Evaluate(AllMet with { RssAt1000Mb = 35 })[0];

        Assert.False(rss.Met);
        Assert.Equal("missed (step <= 40 met)", rss.Verdict);
        Assert.Equal("missed (step <= 40 missed too)", LoadTargets.Evaluate(AllMet with { RssAt1000Mb = 41 })[0].Verdict);
    }

    [Theory]
    [InlineData(1, "requests/s >= 1.0x bare YARP JIT")]
    [InlineData(2, "requests/s >= 0.8x nginx")]
    [InlineData(3, "CPU per 1,000 requests <= nginx x 1.5")]
    [InlineData(4, "added p99 per hop <= nginx's")]
    [InlineData(5, "ready <= 100 ms")]
    public void Evaluate_OneFigureOverItsBound_OnlyThatTargetMissed(int index, string target)
    {
        var figures = index switch
        {
            1 => AllMet with { SidecarRps = 37_000 },        // 0.97x bare YARP JIT
            2 => AllMet with { NginxRps = 51_000 },          // 0.78x nginx
            3 => AllMet with { CpuPer1000 = 0.046 },         // 1.53x nginx
            4 => AllMet with { AddedP99Us = 161 },
            _ => AllMet with { ReadyMs = 101 },
        };

        var results = LoadTargets.Evaluate(figures);

        Assert.Equal(target, results[index].Target);
        Assert.False(results[index].Met);
        Assert.Equal(5, results.Count(r => r.Met));
    }

    [Fact]
    public void Evaluate_AddedP99DifferenceBelowTheFloor_SaysItIsNoise()
    {
        var latency = LoadTargets.Evaluate(AllMet with { AddedP99Us = 170, FloorP99Us = 50 })[4];

        Assert.False(latency.Met);
        Assert.Equal("missed (within the floor: noise)", latency.Verdict);
        Assert.Equal("missed", LoadTargets.Evaluate(AllMet with { AddedP99Us = 170 })[4].Verdict);
    }
}
