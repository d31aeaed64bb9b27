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
/// (the forecast's upper end with 20 % headroom, per hour). Against it, static peak provisioning: the period's true peak
/// with the same headroom, known in hindsight (the cheapest static capacity that never saturates). Both are counted in
/// capacity-hours (requests/s × hours), and saturation is an hour whose demand exceeded what was provisioned.
/// </para>
/// </remarks>
internal static class CapacityBenchmark
{
    private const int Week = 168;
    private const double Headroom = 0.2;

    public static async Task<int> RunAsync(ReadOnlyMemory<string> args, TextWriter output)
    {
        if (await SeriesArguments.ParseAsync("capacity", args, 40) is not { } parsed)
        {
            return 2;
        }

        var (count, seed, json) = parsed;
        var generator = new LabelledSeries(seed);
        var all = Enumerable.Range(0, count).Select(_ => generator.Demand()).ToList();
        var backtest = Backtest(all);
        var cost = Cost(all);
        await output.WriteLineAsync($"Capacity benchmark: {count} generated demand series (12 weeks hourly), seed {seed}");
        await output.WriteLineAsync();
        await output.WriteLineAsync(backtest.Table);
        await output.WriteLineAsync();
        await output.WriteLineAsync(cost.Table);
        if (json is not null)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { seed, series = count, backtest = backtest.Figures, cost = cost.Figures }, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    private static (string Table, object Figures) Backtest(List<DemandSeries> all)
    {
        var mase = new Dictionary<string, (List<double> Day, List<double> Week)>(StringComparer.Ordinal)
        {
            ["forecaster"] = ([], []), ["seasonal naive (day)"] = ([], []), ["seasonal naive (week)"] = ([], []),
        };
        int inside1 = 0, inside7 = 0, n1 = 0, n7 = 0;
        var models = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var series in all)
        {
            var values = series.Points.Select(p => p.Value).ToArray();
            for (var origin = 6 * Week; origin + Week <= values.Length; origin += Week)
            {
                var training = values.AsSpan(0, origin);
                var actual = values.AsSpan(origin, Week);
                var forecast = Forecaster.Predict(series.Points.Take(origin).ToList(), TimeSpan.FromDays(7));
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
            "Forecast backtest (rolling origin, 6 origins a series, MASE scaled by the in-sample daily seasonal naive error; lower is better)",
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
        double planned = 0, statics = 0;
        int hours = 0, plannedSaturated = 0, staticSaturated = 0, seriesSaturating = 0;
        var savings = new List<double>();
        foreach (var series in all)
        {
            var values = series.Points.Select(p => p.Value).ToArray();
            var start = 4 * Week;
            var peak = values[start..].Max() * (1 + Headroom);
            double mine = 0, theirs = 0;
            var saturatedHere = 0;
            for (var origin = start; origin < values.Length; origin += Week)
            {
                // The planner's schedule in capacity units: one "replica" serves 1 request/s, so the schedule is the capacity.
                var plan = CapacityPlanner.Plan(series.Points.Take(origin).ToList(), [], 1, new CapacityPlannerOptions { CapacityPerReplica = 1, Headroom = Headroom });
                for (var h = 0; h < Week && origin + h < values.Length; h++)
                {
                    var provisioned = (double)plan.Schedule[h].Replicas;
                    mine += provisioned;
                    theirs += peak;
                    hours++;
                    if (values[origin + h] > provisioned)
                    {
                        plannedSaturated++;
                        saturatedHere++;
                    }

                    staticSaturated += values[origin + h] > peak ? 1 : 0;
                }
            }

            planned += mine;
            statics += theirs;
            savings.Add(1 - (mine / theirs));
            seriesSaturating += saturatedHere > 0 ? 1 : 0;
        }

        var lines = new List<string>
        {
            "Provisioned capacity, weeks 5-12: the planner's weekly schedule (95 % upper end + 20 % headroom, hourly) against static peak provisioning (the period's true peak + 20 %)",
            "| provisioning | capacity-hours | saturated hours | series that saturated at all |",
            "|---|---|---|---|",
            Invariant($"| planner | {planned:0} | {100.0 * plannedSaturated / hours:0.00} % ({plannedSaturated} of {hours}) | {seriesSaturating} of {all.Count} |"),
            Invariant($"| static peak | {statics:0} | {100.0 * staticSaturated / hours:0.00} % | 0 of {all.Count} |"),
            Invariant($"capacity saved against static peak: {100 * (1 - (planned / statics)):0.0} % in sum; per series median {100 * Median(savings):0.0} %, worst {100 * savings.Min():0.0} %, best {100 * savings.Max():0.0} %"),
        };
        return (string.Join(Environment.NewLine, lines), new
        {
            plannedCapacityHours = planned,
            staticCapacityHours = statics,
            saved = 1 - (planned / statics),
            plannedSaturatedShare = (double)plannedSaturated / hours,
            staticSaturatedShare = (double)staticSaturated / hours,
            seriesSaturating,
        });
    }

    private static double Median(List<double> values) => Trend.Median([.. values]);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
