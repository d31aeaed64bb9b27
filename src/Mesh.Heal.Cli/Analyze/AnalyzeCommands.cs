using System.Globalization;
using System.Text.Json;
using Mesh.Heal.Agents.Anomalies;
using Mesh.Heal.Agents.Forecasting;
using Mesh.Heal.Agents.Resources;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Cli.Analyze;

/// <summary><c>meshctl analyze</c>: the agents' detectors on a user's own CSV, with no control plane.</summary>
/// <remarks>Exit codes: 0 done, 1 the file held no usable row, 2 the command line is wrong or the file cannot be read.</remarks>
internal static class AnalyzeCommands
{
    public const string Usage = "accepted: analyze anomalies <file.csv|->, analyze resources <file.csv|-> --limit <value> [--json], "
        + "analyze forecast <file.csv|-> --horizon <30m, 12h, 7d> [--upper-miss 1%] [--json], analyze scaling <events.json|-> [--json], analyze logs <file|-> [--json | --lines] [--top N]";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader input, TextWriter output, TextWriter error)
    {
        if (args.Count < 3 || args[1] is not ("anomalies" or "resources" or "forecast" or "scaling" or "logs"))
        {
            await error.WriteLineAsync("meshctl analyze: " + Usage);
            return 2;
        }

        var command = "meshctl analyze " + args[1];
        double? limit = null;
        TimeSpan? horizon = null;
        var forecastOptions = new ForecastOptions();
        var json = false;
        var lines = false;
        var top = 20;
        for (var i = 3; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--lines" when args[1] == "logs":
                    lines = true;
                    break;
                case "--top" when args[1] == "logs" && i + 1 < args.Count:
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > 10_000)
                    {
                        await error.WriteLineAsync($"{command}: --top '{args[i]}' is not accepted; accepted: 1 to 10000");
                        return 2;
                    }

                    break;
                case "--json" when args[1] is not "anomalies":
                    json = true;
                    break;
                case "--horizon" when args[1] == "forecast" && i + 1 < args.Count:
                    if (!Mesh.Heal.Policy.DurationParser.TryParse(args[++i], out var h) || h <= TimeSpan.Zero || h > TimeSpan.FromDays(3650))
                    {
                        await error.WriteLineAsync($"{command}: --horizon '{args[i]}' is not accepted; accepted: a duration such as 30m, 12h, 7d or 90d (up to 3650d)");
                        return 2;
                    }

                    horizon = h;
                    break;
                case "--upper-miss" when args[1] == "forecast" && i + 1 < args.Count:
                    var share = args[++i];
                    var percent = share.EndsWith('%');
                    if (!double.TryParse(percent ? share[..^1] : share, NumberStyles.Float, CultureInfo.InvariantCulture, out var miss)
                        || !((percent ? miss / 100 : miss) is > 0 and <= 0.05))
                    {
                        await error.WriteLineAsync($"{command}: --upper-miss '{args[i]}' is not accepted; accepted: the share of steps allowed above the upper end, above 0 and at most 5 % (the 95 % interval's whole miss), such as 1% or 0.01");
                        return 2;
                    }

                    forecastOptions.UpperMiss = percent ? miss / 100 : miss;
                    break;
                case "--limit" when args[1] == "resources" && i + 1 < args.Count:
                    if (!TryQuantity(args[++i], out var parsed) || parsed <= 0)
                    {
                        await error.WriteLineAsync($"{command}: --limit '{args[i]}' is not accepted; accepted: a positive number, optionally with KiB, MiB, GiB, KB, MB or GB");
                        return 2;
                    }

                    limit = parsed;
                    break;
                default:
                    await error.WriteLineAsync($"{command}: '{args[i]}' is not accepted; " + Usage);
                    return 2;
            }
        }

        if (args[1] == "resources" && limit is null)
        {
            await error.WriteLineAsync($"{command}: --limit is required: the value the resource must stay under (bytes, handles, connections)");
            return 2;
        }

        if (args[1] == "forecast" && horizon is null)
        {
            await error.WriteLineAsync($"{command}: --horizon is required: how far ahead, such as 30m, 12h, 7d or 90d");
            return 2;
        }

        if (args[1] == "logs")
        {
            if (json && lines)
            {
                await error.WriteLineAsync($"{command}: --json and --lines are not accepted together; accepted: one of them, or neither for the table");
                return 2;
            }

            return await LogsCommand.RunAsync(command, args[2], input, output, error, json, lines, top);
        }

        if (args[1] == "scaling")
        {
            return await ScalingCommand.RunAsync(command, args[2], input, output, error, json);
        }

        SeriesCsv csv;
        try
        {
            using var reader = args[2] == "-" ? null : new StreamReader(args[2]);
            csv = SeriesCsv.Read(reader ?? input);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{command}: '{args[2]}' could not be read: {ex.Message}");
            return 2;
        }

        await csv.ReportDroppedAsync(command, error);
        if (csv.Points.Count == 0)
        {
            await error.WriteLineAsync($"{command}: '{args[2]}' has no 'timestamp,value' row");
            return 1;
        }

        if (args[1] == "anomalies")
        {
            var scores = AnomalyDetector.ScoreAll(csv.Points);
            await output.WriteLineAsync("timestamp,value,anomaly_score");
            for (var i = 0; i < scores.Count; i++)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{csv.Stamps[i]},{csv.Points[i].Value:R},{scores[i]:0.0000}"));
            }

            return 0;
        }

        if (args[1] == "forecast")
        {
            return await ForecastAsync(command, csv, horizon!.Value, forecastOptions, output, error, json);
        }

        var verdict = LeakDetector.Analyze(csv.Points, limit);
        await output.WriteLineAsync(json ? Json(verdict) : Table(verdict, limit!.Value, csv.Points.Count));
        return 0;
    }

    private static async Task<int> ForecastAsync(string command, SeriesCsv csv, TimeSpan horizon, ForecastOptions options, TextWriter output, TextWriter error, bool json)
    {
        Forecast forecast;
        try
        {
            forecast = Forecaster.Predict(csv.Points, horizon, options);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync($"{command}: {ex.Message.Split(" (Parameter")[0]}");
            return 1;
        }

        await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{command}: {forecast.Model} ({forecast.Parameters}), step {DurationParser.Format(forecast.Step)}, backtest MASE {forecast.BacktestMase:0.000}; "
            + $"growth {forecast.Growth.MonthlyShare * 100:0.0} % per 30 days (95 %: {forecast.Growth.MonthlyShareLower * 100:0.0} to {forecast.Growth.MonthlyShareUpper * 100:0.0}); "
            + $"interval {options.Confidence * 100:0.#} %: upper miss {options.UpperMiss * 100:0.##} %, lower miss {options.LowerMiss * 100:0.##} % ({forecast.Calibration})"));
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(
                new
                {
                    model = forecast.Model,
                    parameters = forecast.Parameters,
                    step = DurationParser.Format(forecast.Step),
                    backtestMase = forecast.BacktestMase,
                    intervalWidening = forecast.IntervalWidening,
                    upperMiss = options.UpperMiss,
                    lowerMiss = options.LowerMiss,
                    calibration = forecast.Calibration,
                    historyPoints = forecast.HistoryPoints,
                    candidates = forecast.Candidates,
                    growth = new { perDay = forecast.Growth.PerDay, monthlyShare = forecast.Growth.MonthlyShare, lower = forecast.Growth.MonthlyShareLower, upper = forecast.Growth.MonthlyShareUpper },
                    points = forecast.Points.Select(p => new { timestamp = p.Time, forecast = p.Value, lower = p.Lower, upper = p.Upper }),
                },
                JsonOptions));
            return 0;
        }

        await output.WriteLineAsync("timestamp,forecast,lower,upper");
        foreach (var p in forecast.Points)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{p.Time:yyyy-MM-ddTHH:mm:ssZ},{p.Value:0.####},{p.Lower:0.####},{p.Upper:0.####}"));
        }

        return 0;
    }

    private static string Json(LeakVerdict v) => JsonSerializer.Serialize(
        new
        {
            leak = v.Leak,
            kind = v.KindName,
            slopePerHour = v.SlopePerHour,
            timeToExhaustionHours = v.TimeToExhaustionHours,
            lower = v.LowerHours,
            upper = v.UpperHours,
            severity = v.Severity.ToString().ToLowerInvariant(),
            confidence = v.Confidence,
            level = v.Level,
        },
        JsonOptions);

    private static string Table(LeakVerdict v, double limit, int points)
    {
        static string Hours(double? h) => h is not { } x ? "-" : double.IsPositiveInfinity(x) ? "never" : x < 48 ? $"{x:0.0} h" : $"{x / 24:0.0} d";
        var rows = new (string, string)[]
        {
            ("verdict", v.Leak ? "leak" : "no leak"),
            ("shape", v.KindName),
            ("trend of the troughs", string.Create(CultureInfo.InvariantCulture, $"{v.SlopePerHour:0.###} per hour")),
            ("limit", limit.ToString("0.###", CultureInfo.InvariantCulture)),
            ("time to exhaustion", Hours(v.TimeToExhaustionHours)),
            ("interval (95 %)", v.TimeToExhaustionHours is null ? "-" : $"{Hours(v.LowerHours)} to {Hours(v.UpperHours ?? double.PositiveInfinity)}"),
            ("severity", v.Severity.ToString().ToLowerInvariant()),
            ("points", points.ToString(CultureInfo.InvariantCulture)),
        };
        return string.Join(Environment.NewLine, rows.Select(r => $"{r.Item1,-22}{r.Item2}"));
    }

    private static bool TryQuantity(string text, out double value)
    {
        (string Suffix, double Factor)[] units = [("KiB", 1024), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9)];
        var (number, factor) = units.Where(u => text.EndsWith(u.Suffix, StringComparison.OrdinalIgnoreCase))
            .Select(u => (text[..^u.Suffix.Length], u.Factor)).FirstOrDefault((text, 1));
        var ok = double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
        value *= factor;
        return ok;
    }
}
