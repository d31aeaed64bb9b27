using System.Text.Json;
using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.Agents.Forecasting;
using Mesh.Heal.Benchmarks.Detection;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Benchmarks.Capacity;

/// <summary>The rolling-origin backtest of the forecaster and the cost figure of the capacity planner, on generated
/// hourly demand series (12 weeks each).</summary>
/// <remarks>
/// <para>
/// Backtest: origins at the end of weeks 6 to 11; from each, the forecaster sees only the history before it and forecasts
/// 7 days. MASE is the mean absolute error over the in-sample MAE of the daily seasonal naive forecast, at 1 day (the
/// first 24 steps) and 7 days (all 168); the same for the seasonal naive forecasts themselves (the value a day, a week
/// earlier), side by side. Coverage is the share of actual values inside the 95 % intervals.
/// </para>
/// <para>
/// Cost: from week 4 on, every week the planner sees the history so far and provisions the next week by its schedule
/// (the forecast's upper end with 10, 20 or 30 % headroom, per hour). Against it, static peak provisioning: the period's
/// true peak with the same headroom, known in hindsight (the cheapest static capacity that never saturates). Both are counted in
/// capacity-hours (requests/s × hours), and saturation is an hour whose demand exceeded what was provisioned.
/// </para>
/// </remarks>
internal static class CapacityBenchmark
{
    private const int Week = 168;
    private const double Headroom = 0.2;

    public static async Task<int> RunAsync(ReadOnlyMemory<string> args, TextWriter output)
    {
        // --csv <file> (repeatable): a series of the user's, timestamp,value rows at an hourly step, backtested the same way.
        var files = new List<string>();
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args.Span[i] == "--csv" && i + 1 < args.Length)
            {
                files.Add(args.Span[++i]);
            }
            else
            {
                rest.Add(args.Span[i]);
            }
        }

        if (await SeriesArguments.ParseAsync("capacity", rest.ToArray(), 40, minimumSeries: files.Count > 0 ? 0 : 1) is not { } parsed)
        {
            return 2;
        }

        var (count, seed, json) = parsed;
        var generator = new LabelledSeries(seed);
        var all = Enumerable.Range(0, count).Select(_ => generator.Demand()).ToList();
        var figures = new Dictionary<string, object>(StringComparer.Ordinal) { ["seed"] = seed, ["series"] = count };
        if (count > 0)
        {
            var backtest = Backtest(all.Select(d => d.Points).ToList());
            var cost = Cost(all);
            await output.WriteLineAsync($"Capacity benchmark: {count} generated demand series (12 weeks hourly), seed {seed}");
            await output.WriteLineAsync();
            await output.WriteLineAsync(backtest.Table);
            await output.WriteLineAsync();
            await output.WriteLineAsync(cost.Table);
            (figures["backtest"], figures["cost"]) = (backtest.Figures, cost.Figures);
        }

        foreach (var file in files)
        {
            var points = (await File.ReadAllLinesAsync(file)).Skip(1).Where(l => l.Contains(','))
                .Select(l => l.Split(','))
                .Select(f => new SeriesPoint(DateTimeOffset.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture)))
                .ToList();
            var backtest = Backtest([points]);
            await output.WriteLineAsync();
            await output.WriteLineAsync($"{Path.GetFileName(file)}: {points.Count} hourly points from {points[0].Time:yyyy-MM-dd} to {points[^1].Time:yyyy-MM-dd}");
            await output.WriteLineAsync(backtest.Table);
            figures[Path.GetFileName(file)] = backtest.Figures;
        }

        if (json is not null)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    // Origins a week apart, the last six of each series that leave it four weeks of history and a week to judge.
    private static (string Table, object Figures) Backtest(List<IReadOnlyList<SeriesPoint>> all)
    {
        var mase = new Dictionary<string, (List<double> Day, List<double> Week)>(StringComparer.Ordinal)
        {
            ["forecaster"] = ([], []), ["seasonal naive (day)"] = ([], []), ["seasonal naive (week)"] = ([], []),
        };
        int inside1 = 0, inside7 = 0, n1 = 0, n7 = 0;
        var models = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var series in all)
        {
            var values = series.Select(p => p.Value).ToArray();
            for (var origin = Math.Max(4 * Week, values.Length - (6 * Week)); origin + Week <= values.Length; origin += Week)
            {
                var training = values.AsSpan(0, origin);
                var actual = values.AsSpan(origin, Week);
                var forecast = Forecaster.Predict(series.Take(origin).ToList(), TimeSpan.FromDays(7));
                models[forecast.Model] = models.GetValueOrDefault(forecast.Model) + 1;
                var predicted = forecast.Points.Select(p => p.Value).ToArray();
                var daily = Enumerable.Range(0, Week).Select(h => values[origin - 24 + (h % 24)]).ToArray();
                var weekly = Enumerable.Range(0, Week).Select(h => values[origin - Week + h]).ToArray();
                foreach (var (name, f) in (ReadOnlySpan<(string, double[])>)[("forecaster", predicted), ("seasonal naive (day)", daily), ("seasonal naive (week)", weekly)])
                {
                    mase[name].Day.Add(Forecaster.Mase(training, actual[..24], f.AsSpan(0, 24), 24));
                    mase[name].Week.Add(Forecaster.Mase(training, actual, f, 24));
                }

                for (var h = 0; h < Week; h++)
                {
                    var hit = forecast.Points[h].Lower <= actual[h] && actual[h] <= forecast.Points[h].Upper ? 1 : 0;
                    if (h < 24)
                    {
                        inside1 += hit;
                        n1++;
                    }

                    inside7 += hit;
                    n7++;
                }
            }
        }

        var lines = new List<string>
        {
            "Forecast backtest (rolling origin: the last 6 weekly origins of each series, MASE scaled by the in-sample daily seasonal naive error; lower is better)",
            "| forecast | MASE 1 day (mean) | MASE 1 day (median) | MASE 7 days (mean) | MASE 7 days (median) |",
            "|---|---|---|---|---|",
        };
        foreach (var (name, (day, week)) in mase)
        {
            lines.Add(Invariant($"| {name} | {day.Average():0.000} | {Median(day):0.000} | {week.Average():0.000} | {Median(week):0.000} |"));
        }

        lines.Add(Invariant($"95 % interval coverage: 1 day {100.0 * inside1 / n1:0.0} %, 7 days {100.0 * inside7 / n7:0.0} %"));
        lines.Add("models chosen: " + string.Join(", ", models.OrderByDescending(m => m.Value).Select(m => $"{m.Key} {m.Value}")));
        return (string.Join(Environment.NewLine, lines), new
        {
            mase = mase.ToDictionary(m => m.Key, m => new { day = m.Value.Day.Average(), week = m.Value.Week.Average(), dayMedian = Median(m.Value.Day), weekMedian = Median(m.Value.Week) }),
            coverageDay = (double)inside1 / n1,
            coverageWeek = (double)inside7 / n7,
            models,
        });
    }

    private static (string Table, object Figures) Cost(List<DemandSeries> all)
    {
        double[] headrooms = [0.1, Headroom, 0.3];
        var planned = new double[headrooms.Length];
        var statics = new double[headrooms.Length];
        var saturated = new int[headrooms.Length];
        var saturatedOutsideSpikes = new int[headrooms.Length];
        var seriesSaturating = new int[headrooms.Length];
        var savings = headrooms.Select(_ => new List<double>()).ToArray();
        var hours = 0;
        var spikeHours = 0;
        foreach (var series in all)
        {
            var values = series.Points.Select(p => p.Value).ToArray();
            var start = 4 * Week;
            var truePeak = values[start..].Max();
            var mine = new double[headrooms.Length];
            var hit = new bool[headrooms.Length];
            for (var origin = start; origin < values.Length; origin += Week)
            {
                // One "replica" serves 1 request/s, so the planner's replicas are the capacity; the schedule is the forecast's
                // upper end per hour with the headroom, as CapacityPlan.Schedule gives it.
                var plan = CapacityPlanner.Plan(series.Points.Take(origin).ToList(), [], 1, new CapacityPlannerOptions { CapacityPerReplica = 1, Headroom = Headroom });
                for (var h = 0; h < Week && origin + h < values.Length; h++)
                {
                    hours++;
                    spikeHours += series.Spikes.Contains(origin + h) ? 1 : 0;
                    for (var k = 0; k < headrooms.Length; k++)
                    {
                        var provisioned = (double)CapacityPlanner.Replicas(plan.Forecast.Points[h].Upper, 1, headrooms[k]);
                        mine[k] += provisioned;
                        statics[k] += truePeak * (1 + headrooms[k]);
                        if (values[origin + h] > provisioned)
                        {
                            saturated[k]++;
                            saturatedOutsideSpikes[k] += series.Spikes.Contains(origin + h) ? 0 : 1;
                            hit[k] = true;
                        }
                    }
                }
            }

            for (var k = 0; k < headrooms.Length; k++)
            {
                planned[k] += mine[k];
                var theirs = truePeak * (1 + headrooms[k]) * Math.Min(values.Length - start, 8 * Week);
                savings[k].Add(1 - (mine[k] / theirs));
                seriesSaturating[k] += hit[k] ? 1 : 0;
            }
        }

        var lines = new List<string>
        {
            "Provisioned capacity, weeks 5-12: the planner's weekly schedule (the 95 % upper end + headroom, hourly, planned each week from",
            "the history so far) against static peak provisioning (the period's true peak + the same headroom, known in hindsight, never saturated)",
            "| headroom | capacity saved (sum) | per series: median, worst, best | saturated hours | of them outside spike hours | series saturated at all |",
            "|---|---|---|---|---|---|",
        };
        for (var k = 0; k < headrooms.Length; k++)
        {
            lines.Add(Invariant(
                $"| {headrooms[k]:P0} | {100 * (1 - (planned[k] / statics[k])):0.0} % | {100 * Median(savings[k]):0.0} %, {100 * savings[k].Min():0.0} %, {100 * savings[k].Max():0.0} % | {100.0 * saturated[k] / hours:0.00} % ({saturated[k]} of {hours}) | {100.0 * saturatedOutsideSpikes[k] / Math.Max(1, hours - spikeHours):0.00} % | {seriesSaturating[k]} of {all.Count} |"));
        }

        lines.Add(Invariant($"spike hours (+30 % to +100 %, one hour in about 330): {spikeHours} of {hours}"));
        return (string.Join(Environment.NewLine, lines), headrooms.Select((h, k) => new
        {
            headroom = h,
            plannedCapacityHours = planned[k],
            staticCapacityHours = statics[k],
            saved = 1 - (planned[k] / statics[k]),
            saturatedShare = (double)saturated[k] / hours,
            saturatedOutsideSpikesShare = (double)saturatedOutsideSpikes[k] / Math.Max(1, hours - spikeHours),
            seriesSaturating = seriesSaturating[k],
        }).ToList());
    }

    private static double Median(List<double> values) => Trend.Median([.. values]);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
