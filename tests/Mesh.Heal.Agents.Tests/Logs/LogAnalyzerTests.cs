using Mesh.Heal.Agents.Logs;

namespace Mesh.Heal.Agents.Tests.Logs;

public sealed class LogAnalyzerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Digest_ABurstAfterAQuietBaseline_RanksFirstWithItsFrames()
    {
        var analyzer = new LogAnalyzer();
        var nre = LogRecordReader.ReadAll(Samples.Lines(Samples.DotnetSimpleConsole)).First();
        var old = new LogRecord(null, "error", "cache refresh failed for shard 3", null);
        for (var m = 0; m < 30; m++)
        {
            analyzer.Add(old, T0.AddMinutes(m));
            analyzer.Add(new LogRecord(null, "info", $"served {m} requests", null), T0.AddMinutes(m));
        }

        for (var s = 0; s < 12; s++)
        {
            analyzer.Add(nre, T0.AddMinutes(30).AddSeconds(s * 4), instance: $"orders-{s % 2}");
        }

        var digest = analyzer.Digest("orders", T0.AddMinutes(30).AddSeconds(50));

        Assert.Equal(2, digest.Clusters.Count);
        var top = digest.Clusters[0];
        Assert.Equal("System.NullReferenceException", top.Type);
        Assert.Equal(12, top.Recent);
        Assert.True(top.Burst >= 12, $"burst {top.Burst}");
        Assert.Equal("/src/Orders.Api/OrderEndpoints.cs", top.TopFrame?.File);
        Assert.Equal(["orders-0", "orders-1"], top.Instances);
        Assert.Equal("log", digest.Clusters[1].Language);
        Assert.True(digest.Clusters[1].Burst < 2, $"burst {digest.Clusters[1].Burst}");
        Assert.Equal(72, digest.Records);
        Assert.Equal(42, digest.Errors);
    }

    [Fact]
    public void Add_SameFailureFromTwoAnalyzers_SameClusterId()
    {
        var nre = LogRecordReader.ReadAll(Samples.Lines(Samples.DotnetSimpleConsole)).First();

        var (_, a) = new LogAnalyzer().Add(nre, T0);
        var (_, b) = new LogAnalyzer().Add(nre with { Message = "Connection id \"0HN9\", Request id \"0HN9:01\": An unhandled exception was thrown by the application." }, T0);

        Assert.NotNull(a);
        Assert.Equal(a, b);
    }
}
