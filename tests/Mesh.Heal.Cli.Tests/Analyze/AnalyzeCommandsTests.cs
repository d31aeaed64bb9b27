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
    public async Task Anomalies_LongCsv_ProbationScoresZeroAndASpikeIsOneAlarm()
    {
        // 1000 rows at 5 min; rows 800 to 802 jump by 60 on noise of ±5. Probation is 150 rows (15 %).
        var rows = Enumerable.Range(0, 1000).Select(i =>
            FormattableString.Invariant($"{1_764_000_000 + i * 300},{100 + (i * 7919 % 11) - 5 + (i is >= 800 and <= 802 ? 60 : 0)}")).ToList();
        var (code, output, _) = await RunAsync(["analyze", "anomalies", "-"], "timestamp,value\n" + string.Join('\n', rows));

        Assert.Equal(0, code);
        var lines = output.Trim().Split('\n').Skip(1).ToList();
        Assert.All(lines.Take(150), l => Assert.EndsWith(",0.0000", l, StringComparison.Ordinal));
        Assert.Matches(@"^\d+,-?[\d.]+,[01]\.\d{4}$", lines[800]);
        var alarms = lines.Select((l, i) => (i, Score: double.Parse(l.Split(',')[2], CultureInfo.InvariantCulture))).Where(x => x.Score >= 0.6).Select(x => x.i).ToList();
        Assert.Equal([800], alarms);
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

    [Fact]
    public async Task Forecast_HourlyCsv_WritesOneRowPerStepOfTheHorizon()
    {
        // Three weeks hourly: 100 ± 40 over the day, rising 2 a day.
        var rows = Enumerable.Range(0, 21 * 24).Select(h =>
            FormattableString.Invariant($"{DateTimeOffset.FromUnixTimeSeconds(1_767_571_200 + h * 3600):O},{100 + 2 * h / 24.0 + 40 * Math.Sin(2 * Math.PI * h / 24) + (h * 37 % 7)}"));
        var (code, output, error) = await RunAsync(["analyze", "forecast", "-", "--horizon", "2d"], "timestamp,value\n" + string.Join('\n', rows));

        Assert.Equal(0, code);
        var lines = output.Trim().Split('\n');
        Assert.Equal("timestamp,forecast,lower,upper", lines[0]);
        Assert.Equal(1 + 48, lines.Length);
        Assert.StartsWith("2026-01-26T00:00:00Z,", lines[1], StringComparison.Ordinal);
        var rowsOut = lines.Skip(1).Select(l => l.Split(',').Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.All(rowsOut, r => Assert.True(r[1] <= r[0] && r[0] <= r[2]));
        // Six hours in, sin peaks: about 100 + 42 + 40.
        Assert.InRange(rowsOut[5][0], 160, 205);
        Assert.Contains("backtest MASE", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forecast_LargerUpperMiss_LowersTheUpperEndsAndSaysSo()
    {
        // Five weeks half-hourly: a daily swing, weekends lower, noise whose size changes from day to day.
        var rows = Enumerable.Range(0, 35 * 48).Select(i =>
            FormattableString.Invariant($"{DateTimeOffset.FromUnixTimeSeconds(1_767_571_200 + i * 1800):O},{(i / 48 % 7 >= 5 ? 70 : 100) * (1 + 0.3 * Math.Sin(2 * Math.PI * i / 48)) * (1 + (Noise(i) * (1 + i / 48 % 3) * 0.05))}"));
        var input = "timestamp,value\n" + string.Join('\n', rows);

        var (code, standard, error) = await RunAsync(["analyze", "forecast", "-", "--horizon", "1d"], input);
        var (codeLoose, loose, errorLoose) = await RunAsync(["analyze", "forecast", "-", "--horizon", "1d", "--upper-miss", "5%"], input);

        Assert.Equal((0, 0), (code, codeLoose));
        Assert.Contains("interval 95 %: upper miss 1 %, lower miss 4 %", error, StringComparison.Ordinal);
        Assert.Contains("interval 95 %: upper miss 5 %, lower miss 0 %", errorLoose, StringComparison.Ordinal);
        var upper = Column(standard, 3);
        var upperLoose = Column(loose, 3);
        Assert.Equal(48, upper.Length);
        Assert.All(upper.Zip(upperLoose), p => Assert.True(p.Second <= p.First + 1e-9, $"{p.Second} over {p.First}"));
        Assert.True(upperLoose.Sum() < upper.Sum(), error + "\n" + errorLoose);
        Assert.Equal(Column(standard, 1), Column(loose, 1));
    }

    // Near-normal noise from a hash of i: the sum of three uniform draws.
    private static double Noise(int i) =>
        Enumerable.Range(0, 3).Sum(k => (((((ulong)(i + (k * 1_000_003)) * 0x9E3779B97F4A7C15UL) >> 11) * (1.0 / (1UL << 53))) - 0.5) * 2);

    [Fact]
    public async Task Forecast_Json_CarriesTheModelAndTheGrowth()
    {
        var rows = Enumerable.Range(0, 60).Select(i => $"{1_764_000_000 + i * 60},{50 + i}");
        var (code, output, _) = await RunAsync(["analyze", "forecast", "-", "--horizon", "30m", "--json"], string.Join('\n', rows));

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("1m", json.RootElement.GetProperty("step").GetString());
        Assert.Equal(30, json.RootElement.GetProperty("points").GetArrayLength());
        Assert.InRange(json.RootElement.GetProperty("points")[29].GetProperty("forecast").GetDouble(), 130, 150);
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("model").GetString()));
    }

    [Fact]
    public async Task Scaling_FlappingHistory_JudgesTheEventsAndSuggestsALongerStabilization()
    {
        // Load alternates 150 and 250 every 4 min (one replica serves 100, target 70 %); the recorded HPA follows it with no
        // down-scale stabilization: 3 <-> 4 replicas, a flap at every turn.
        var start = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        var samples = Enumerable.Range(0, 120).Select(m =>
        {
            var high = m / 4 % 2 == 1;
            return FormattableString.Invariant($$"""{ "timestamp": "{{start.AddMinutes(m):O}}", "load": {{(high ? 250 : 150)}}, "replicas": {{(high ? 4 : 3)}} }""");
        });
        var file = $$"""{ "capacityPerReplica": 100, "policy": { "minReplicas": 2, "maxReplicas": 8, "targetUtilization": 0.7, "scaleDownStabilization": "0s" }, "samples": [ {{string.Join(",", samples)}}, { "timestamp": "bad" } ] }""";

        var (code, output, error) = await RunAsync(["analyze", "scaling", "-", "--json"], file);

        Assert.Equal(0, code);
        Assert.Contains("1 malformed sample(s) dropped", error, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var events = root.GetProperty("events").EnumerateArray().ToList();
        Assert.True(events.Count >= 20);
        Assert.All(events, e => Assert.Equal("flap", e.GetProperty("verdict").GetString()));
        Assert.Equal(0, root.GetProperty("accuracy").GetDouble());
        var suggested = root.GetProperty("suggested");
        Assert.True(suggested.GetProperty("changes").GetBoolean());
        Assert.True(suggested.GetProperty("replay").GetProperty("wrong").GetInt32() < root.GetProperty("current").GetProperty("replay").GetProperty("wrong").GetInt32());
        Assert.True(suggested.GetProperty("replay").GetProperty("saturatedShare").GetDouble() <= root.GetProperty("current").GetProperty("replay").GetProperty("saturatedShare").GetDouble());
    }

    [Theory]
    [InlineData("analyze resources - --limit lots", "--limit 'lots' is not accepted; accepted: a positive number")]
    [InlineData("analyze resources -", "--limit is required")]
    [InlineData("analyze forecasts x.csv", "accepted: analyze anomalies")]
    [InlineData("analyze forecast -", "--horizon is required")]
    [InlineData("analyze forecast - --horizon soon", "--horizon 'soon' is not accepted; accepted: a duration such as 30m, 12h, 7d")]
    [InlineData("analyze forecast - --horizon 1d --upper-miss 10%", "--upper-miss '10%' is not accepted; accepted: the share of steps allowed above the upper end, above 0 and at most 5 %")]
    public async Task Run_BadArguments_NamesWhatIsAccepted(string line, string message)
    {
        var (code, _, error) = await RunAsync(line.Split(' '), "1,2\n");

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    private static double[] Column(string csv, int column) =>
        csv.Trim().Split('\n').Skip(1).Select(l => double.Parse(l.Split(',')[column], CultureInfo.InvariantCulture)).ToArray();

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string input)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await AnalyzeCommands.RunAsync(args, new StringReader(input), output, error);
        return (code, output.ToString(), error.ToString());
    }
}
