using System.Globalization;
using System.Text.Json;
using Mesh.Heal.Cli.Analyze;

namespace Mesh.Heal.Cli.Tests.Analyze;

public class AnalyzeCommandsTests
{
    [Fact]
    public async Task Anomalies_CsvWithASpikeAndABadRow_ScoresEveryRowAndReportsTheDrop()
    {
        var rows = Enumerable.Range(0, 200).Select(i => $"{1_764_000_000 + i * 60},{100 + (i * 37 % 11) + (i == 150 ? 80 : 0)}").ToList();
        rows.Insert(0, "timestamp,value");
        rows.Insert(10, "not a row");
        var (code, output, error) = await RunAsync(["analyze", "anomalies", "-"], string.Join('\n', rows));

        Assert.Equal(0, code);
        var lines = output.Trim().Split('\n');
        Assert.Equal("timestamp,value,anomaly_score", lines[0]);
        Assert.Equal(201, lines.Length);
        var scores = lines.Skip(1).Select(l => double.Parse(l.Split(',')[2], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(150, scores.IndexOf(scores.Max()));
        Assert.True(scores[150] > 0.9);
        Assert.StartsWith("1764009000,186,", lines[151], StringComparison.Ordinal);
        Assert.Contains("1 malformed row(s) dropped", error, StringComparison.Ordinal);
        Assert.Contains("line 11", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resources_LeakingSeries_PrintsTheIssuesJsonShape()
    {
        // 4 h at 1 min, rising 30 MiB/h from 200 MiB with a sawtooth; limit 1 GiB.
        var rows = Enumerable.Range(0, 240).Select(i =>
            FormattableString.Invariant($"2026-11-25T{i / 60:00}:{i % 60:00}:00Z,{(200 + 0.5 * i + 2 * (i % 15)) * 1048576}"));
        var (code, output, _) = await RunAsync(["analyze", "resources", "-", "--limit", "1GiB", "--json"], string.Join('\n', rows));

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.True(root.GetProperty("leak").GetBoolean());
        Assert.Equal("leak", root.GetProperty("kind").GetString());
        Assert.InRange(root.GetProperty("slopePerHour").GetDouble() / 1048576, 27, 33);
        // Peaks now ≈ 200 + 120 + 28 = 348 MiB: (1024 − 348) / 30 ≈ 22.5 h.
        Assert.InRange(root.GetProperty("timeToExhaustionHours").GetDouble(), 20, 25);
        Assert.True(root.GetProperty("lower").GetDouble() <= root.GetProperty("timeToExhaustionHours").GetDouble());
        Assert.True(root.GetProperty("upper").GetDouble() >= root.GetProperty("timeToExhaustionHours").GetDouble());
        Assert.Equal("critical", root.GetProperty("severity").GetString());
    }

    [Fact]
    public async Task Resources_FlatSeries_PrintsATableWithoutATimeToExhaustion()
    {
        var rows = Enumerable.Range(0, 120).Select(i => $"{1_764_000_000 + i * 60},{500 + (i * 37 % 11)}");
        var (code, output, _) = await RunAsync(["analyze", "resources", "-", "--limit", "1000"], string.Join('\n', rows));

        Assert.Equal(0, code);
        Assert.Contains("no leak", output, StringComparison.Ordinal);
        Assert.Matches(@"time to exhaustion\s+-", output);
    }

    [Theory]
    [InlineData("analyze resources - --limit lots", "--limit 'lots' is not accepted; accepted: a positive number")]
    [InlineData("analyze resources -", "--limit is required")]
    [InlineData("analyze forecasts x.csv", "accepted: analyze anomalies")]
    public async Task Run_BadArguments_NamesWhatIsAccepted(string line, string message)
    {
        var (code, _, error) = await RunAsync(line.Split(' '), "1,2\n");

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string input)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await AnalyzeCommands.RunAsync(args, new StringReader(input), output, error);
        return (code, output.ToString(), error.ToString());
    }
}
