using System.Text.Json;
using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.Agents.Forecasting;
using Mesh.Heal.Benchmarks.Detection;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Benchmarks.Capacity;

/// <summary>The capacity benchmark: day-ahead re-planning on generated half-hourly demand with holidays (tuning and
/// held-out seeds apart) and on public hourly series, the forecaster's rolling-origin backtest on generated hourly demand,
/// and the planner's weekly schedule at several saturation targets.</summary>
/// <remarks>
/// <para>
/// Day-ahead re-planning (the held-out check's protocol): every day of the last 8 weeks, the forecaster sees all history up
/// to that midnight and forecasts the next day; the provision for each step is that run's upper end. Capacity saved is
/// 1 − Σ provision / (N · the period's peak demand), the saving of static peak provisioning known in hindsight; a perfect
/// forecast provisions the demand itself. Under-provisioned is the share of steps whose demand exceeded the provision.
/// Baselines: last week's value + 50 %, and the weekly seasonal naive forecast with an upper end calibrated the same way
/// (last week's value times the 1 − upper-miss quantile of the week-on-week ratio over the 8 weeks before).
/// </para>
/// <para>
/// Backtest: origins at the end of weeks 6 to 11; from each, the forecaster sees only the history before it and forecasts
/// 7 days. MASE is the mean absolute error over the in-sample MAE of the daily seasonal naive forecast, at 1 day (the
/// first 24 steps) and 7 days (all 168); the same for the seasonal naive forecasts themselves, side by side.
/// </para>
/// </remarks>
internal static class CapacityBenchmark
{
    private const int Week = 168;
    private const int EvaluationDays = 56;

    public static async Task<int> RunAsync(ReadOnlyMemory<string> args, TextWriter output)
    {
        // --csv <file> (repeatable): a series of the user's, timestamp,value rows, backtested and re-planned the same way.
        // --traces <n>: half-hourly traces per seed (default 8); --holdout-seed <n>: the held-out traces' seed (default 2).
        var files = new List<string>();
        var rest = new List<string>();
        var traces = 8;
        var holdoutSeed = 2;
        for (var i = 0; i < args.Length; i++)
        {
            if (args.Span[i] == "--csv" && i + 1 < args.Length)
            {
                files.Add(args.Span[++i]);
            }
            else if (args.Span[i] == "--traces" && i + 1 < args.Length && int.TryParse(args.Span[i + 1], System.Globalization.CultureInfo.InvariantCulture, out traces) && traces >= 0)
            {
                i++;
            }
            else if (args.Span[i] == "--holdout-seed" && i + 1 < args.Length && int.TryParse(args.Span[i + 1], System.Globalization.CultureInfo.InvariantCulture, out holdoutSeed))
            {
                i++;
            }
            else
            {
                rest.Add(args.Span[i]);
            }
        }

        if (await SeriesArguments.ParseAsync("capacity", rest.ToArray(), 40, minimumSeries: 0) is not { } parsed)
        {
            return 2;
        }

        var (count, seed, json) = parsed;
        var figures = new Dictionary<string, object>(StringComparer.Ordinal) { ["seed"] = seed, ["holdoutSeed"] = holdoutSeed, ["series"] = count, ["traces"] = traces };
        if (traces > 0)
        {
            foreach (var (name, traceSeed) in new[] { ("tuning", seed), ("held-out", holdoutSeed) })
            {
                if (traceSeed == holdoutSeed && holdoutSeed == seed && name == "held-out")
                {
                    continue; // the same seed twice: the tuning traces again
                }

                var generator = new DemandTraces(traceSeed);
                var all = Enumerable.Range(0, traces).Select(_ => generator.Next()).ToList();
                var replan = DayAhead(all.Select(t => ((IReadOnlyList<SeriesPoint>)t.Points, t.HistoryDays * 48)).ToList(), all);
                await output.WriteLineAsync($"Day-ahead re-planning, {name} traces (seed {traceSeed}): {traces} half-hourly traces with holidays and heat-wave-like excursions, " +
                    $"{all.Min(t => t.HistoryDays) / 7}-{all.Max(t => t.HistoryDays) / 7} weeks of history, then {EvaluationDays} days re-planned daily; {all.Sum(t => t.Holidays.Count(d => d >= t.HistoryDays))} holidays and {all.Sum(t => t.Excursions.Count(d => d >= t.HistoryDays))} excursion days in the evaluated days");
                await output.WriteLineAsync(replan.Table);
                await output.WriteLineAsync();
                figures["dayAhead-" + name] = replan.Figures;
            }
        }

        if (count > 0)
        {
            var generator = new LabelledSeries(seed);
            var all = Enumerable.Range(0, count).Select(_ => generator.Demand()).ToList();
            var backtest = Backtest(all.Select(d => d.Points).ToList());
            var cost = Cost(all);
            await output.WriteLineAsync($"Forecast backtest and weekly planning: {count} generated demand series (12 weeks hourly), seed {seed}");
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
            var step = points[1].Time - points[0].Time;
            var perDay = (int)(TimeSpan.FromDays(1) / step);
            var firstMidnight = points.FindIndex(p => p.Time.TimeOfDay == TimeSpan.Zero);
            var days = (points.Count - firstMidnight) / perDay;
            var evaluated = Math.Min(EvaluationDays, days - 28);
            await output.WriteLineAsync();
            await output.WriteLineAsync($"{Path.GetFileName(file)}: {points.Count} points at {step.TotalMinutes:0} min from {points[0].Time:yyyy-MM-dd} to {points[^1].Time:yyyy-MM-dd}");
            if (evaluated > 0)
            {
                var end = firstMidnight + (days * perDay);
                var replan = DayAhead([(points.Take(end).ToList(), end - (evaluated * perDay))]);
                await output.WriteLineAsync($"Day-ahead re-planning over its last {evaluated} whole days:");
                await output.WriteLineAsync(replan.Table);
                figures[Path.GetFileName(file) + "-dayAhead"] = replan.Figures;
            }

            if (perDay == 24)
            {
                var backtest = Backtest([points]);
                await output.WriteLineAsync(backtest.Table);
                figures[Path.GetFileName(file)] = backtest.Figures;
            }
        }

        if (json is not null)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    // Every day from each series' evaluation start (a midnight) to its end: the history before it, a day forecast, the
    // upper end provisioned; the baselines from the same history.
    private static (string Table, object Figures) DayAhead(List<(IReadOnlyList<SeriesPoint> Points, int Start)> all, List<DemandTrace>? traces = null)
    {
        var underBy = new int[5]; // an excursion's first day, its later days, holiday, the day after a holiday, any other day
        var stepsBy = new int[5];
        string[] methods = ["forecaster (upper end)", "last week + 50 %", "seasonal naive (week), calibrated upper", "perfect forecast"];
        var results = new (double Saved, int Under, int Inside, int Below, int Steps, double AbsError, double Scale)[all.Count][];
        var models = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var seconds = new System.Collections.Concurrent.ConcurrentBag<double>();
        var upperMiss = new ForecastOptions().UpperMiss;
        Parallel.For(0, all.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, s =>
        {
            var (series, start) = all[s];
            var array = series.ToArray();
            var values = series.Select(p => p.Value).ToArray();
            var perDay = (int)(TimeSpan.FromDays(1) / (series[1].Time - series[0].Time));
            var week = 7 * perDay;
            var n = values.Length - start;
            var provision = methods.Select(_ => new double[n]).ToArray();
            var lower = new double[n];
            var point = new double[n];
            for (var origin = start; origin + perDay <= values.Length; origin += perDay)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var forecast = Forecaster.Predict(new ArraySegment<SeriesPoint>(array, 0, origin), TimeSpan.FromDays(1));
                seconds.Add(clock.Elapsed.TotalSeconds);
                models.AddOrUpdate(forecast.Model, 1, (_, c) => c + 1);
                var ratio = WeekOnWeek(values, origin, week, 1 - upperMiss);
                for (var h = 0; h < perDay; h++)
                {
                    var i = origin - start + h;
                    provision[0][i] = forecast.Points[h].Upper;
                    lower[i] = forecast.Points[h].Lower;
                    point[i] = forecast.Points[h].Value;
                    provision[1][i] = 1.5 * values[origin + h - week];
                    provision[2][i] = ratio.Multiplicative ? values[origin + h - week] * ratio.Quantile : values[origin + h - week] + ratio.Quantile;
                    provision[3][i] = values[origin + h];
                    if (traces is not null)
                    {
                        var day = (origin + h) / perDay;
                        var t = traces[s];
                        var kind = t.Excursions.Contains(day) ? (t.Excursions.Contains(day - 1) ? 1 : 0) : t.Holidays.Contains(day) ? 2 : t.Holidays.Contains(day - 1) ? 3 : 4;
                        Interlocked.Increment(ref stepsBy[kind]);
                        if (values[origin + h] > forecast.Points[h].Upper)
                        {
                            Interlocked.Increment(ref underBy[kind]);
                        }
                    }
                }
            }

            var actual = values.AsSpan(start, n).ToArray();
            var peak = actual.Max();
            var scale = MeanAbsoluteDifference(values.AsSpan(0, start), perDay);
            results[s] = new (double, int, int, int, int, double, double)[methods.Length];
            for (var m = 0; m < methods.Length; m++)
            {
                var under = 0;
                var inside = 0;
                var below = 0;
                var error = 0.0;
                for (var i = 0; i < n; i++)
                {
                    under += actual[i] > provision[m][i] ? 1 : 0;
                    if (m == 0)
                    {
                        inside += actual[i] >= lower[i] && actual[i] <= provision[0][i] ? 1 : 0;
                        below += actual[i] < lower[i] ? 1 : 0;
                        error += Math.Abs(actual[i] - point[i]);
                    }
                    else if (m == 2)
                    {
                        error += Math.Abs(actual[i] - values[start + i - week]);
                    }
                }

                results[s][m] = (1 - (provision[m].Sum() / (n * peak)), under, inside, below, n, error / n, scale);
            }
        });

        var lines = new List<string>
        {
            "| provision | capacity saved vs static peak | share of a perfect forecast's saving | under-provisioned steps | 95 % interval coverage (below, above) | day-ahead MASE |",
            "|---|---|---|---|---|---|",
        };
        var perfect = results.Average(r => r[3].Saved);
        var figures = new List<object>();
        for (var m = 0; m < methods.Length; m++)
        {
            var saved = results.Average(r => r[m].Saved);
            var steps = results.Sum(r => r[m].Steps);
            var under = (double)results.Sum(r => r[m].Under) / steps;
            var coverage = m == 0 ? Invariant($"{100.0 * results.Sum(r => r[m].Inside) / steps:0.0} % ({100.0 * results.Sum(r => r[m].Below) / steps:0.0} %, {100 * under:0.00} %)") : "-";
            var mase = m is 0 or 2 ? Invariant($"{results.Average(r => r[m].AbsError / r[m].Scale):0.000}") : "-";
            lines.Add(Invariant($"| {methods[m]} | {100 * saved:0.0} % | {100 * saved / perfect:0.0} % | {100 * under:0.00} % | {coverage} | {mase} |"));
            figures.Add(new { method = methods[m], saved, shareOfPerfect = saved / perfect, underProvisioned = under, coverage = m == 0 ? (double)results.Sum(r => r[m].Inside) / steps : double.NaN });
        }

        var times = seconds.Order().ToArray();
        if (traces is not null)
        {
            lines.Add(Invariant($"forecaster under-provisioned steps by day: an excursion's first {underBy[0]} of {stepsBy[0]}, its later ones {underBy[1]} of {stepsBy[1]}, holiday {underBy[2]} of {stepsBy[2]}, day after a holiday {underBy[3]} of {stepsBy[3]}, other {underBy[4]} of {stepsBy[4]}"));
        }

        lines.Add(Invariant($"per-series saved (forecaster): {string.Join(", ", results.Select(r => $"{100 * r[0].Saved:0.0}/{100 * r[3].Saved:0.0} % ({100.0 * r[0].Under / r[0].Steps:0.0} % under)"))}"));
        lines.Add(Invariant($"interval design: 95 % with {100 * upperMiss:0.#} % allowed above the upper end and the rest below; forecast time per run median {times[times.Length / 2]:0.00} s, max {times[^1]:0.00} s"));
        lines.Add("models chosen: " + string.Join(", ", models.OrderByDescending(m => m.Value).Select(m => $"{m.Key} {m.Value}")));
        return (string.Join(Environment.NewLine, lines), figures);
    }

    // The week-on-week ratio's (the difference's, for a series not strictly positive) q quantile over the 8 weeks before origin.
    private static (bool Multiplicative, double Quantile) WeekOnWeek(double[] values, int origin, int week, double q)
    {
        var from = Math.Max(week, origin - (8 * week));
        var multiplicative = true;
        for (var i = from - week; i < origin; i++)
        {
            multiplicative &= values[i] > 0;
        }

        var changes = new List<double>(origin - from);
        for (var i = from; i < origin; i++)
        {
            changes.Add(multiplicative ? values[i] / values[i - week] : values[i] - values[i - week]);
        }

        changes.Sort();
        return (multiplicative, changes.Count == 0 ? (multiplicative ? 1 : 0) : changes[Math.Min(changes.Count - 1, (int)Math.Ceiling((changes.Count + 1) * q) - 1)]);
    }

    private static double MeanAbsoluteDifference(ReadOnlySpan<double> values, int lag)
    {
        var sum = 0.0;
        for (var i = lag; i < values.Length; i++)
        {
            sum += Math.Abs(values[i] - values[i - lag]);
        }

        return sum / Math.Max(1, values.Length - lag);
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

    // From week 5 on, every week the planner sees the history so far and provisions the next week by its schedule (each
    // hour's 1 − target quantile) at three saturation targets; against it, the period's true peak known in hindsight.
    private static (string Table, object Figures) Cost(List<DemandSeries> all)
    {
        double[] targets = [0.005, 0.01, 0.02];
        var planned = new double[targets.Length];
        var statics = new double[targets.Length];
        var saturated = new int[targets.Length];
        var saturatedOutsideSpikes = new int[targets.Length];
        var seriesSaturating = new int[targets.Length];
        var savings = targets.Select(_ => new List<double>()).ToArray();
        var hours = 0;
        var spikeHours = 0;
        foreach (var series in all)
        {
            var values = series.Points.Select(p => p.Value).ToArray();
            var start = 4 * Week;
            var truePeak = values[start..].Max();
            var mine = new double[targets.Length];
            var hit = new bool[targets.Length];
            for (var origin = start; origin < values.Length; origin += Week)
            {
                // One "replica" serves 1 request/s, so the schedule's replicas are the capacity.
                var plan = CapacityPlanner.Plan(series.Points.Take(origin).ToList(), [], 1, new CapacityPlannerOptions
                {
                    CapacityPerReplica = 1, Horizons = [TimeSpan.FromDays(7)],
                });
                for (var h = 0; h < Week && origin + h < values.Length; h++)
                {
                    hours++;
                    spikeHours += series.Spikes.Contains(origin + h) ? 1 : 0;
                    for (var k = 0; k < targets.Length; k++)
                    {
                        var provisioned = (double)CapacityPlanner.Replicas(plan.Forecast.Quantile(h, 1 - targets[k]), 1, 0);
                        mine[k] += provisioned;
                        statics[k] += truePeak;
                        if (values[origin + h] > provisioned)
                        {
                            saturated[k]++;
                            saturatedOutsideSpikes[k] += series.Spikes.Contains(origin + h) ? 0 : 1;
                            hit[k] = true;
                        }
                    }
                }
            }

            for (var k = 0; k < targets.Length; k++)
            {
                planned[k] += mine[k];
                var theirs = truePeak * Math.Min(values.Length - start, 8 * Week);
                savings[k].Add(1 - (mine[k] / theirs));
                seriesSaturating[k] += hit[k] ? 1 : 0;
            }
        }

        var lines = new List<string>
        {
            "Provisioned capacity, weeks 5-12: the planner's weekly schedule (each hour's 1 - target quantile, planned each week from",
            "the history so far) against static peak provisioning (the period's true peak, known in hindsight, never saturated)",
            "| saturation target | capacity saved (sum) | per series: median, worst, best | saturated hours | of them outside spike hours | series saturated at all |",
            "|---|---|---|---|---|---|",
        };
        for (var k = 0; k < targets.Length; k++)
        {
            lines.Add(Invariant(
                $"| {100 * targets[k]:0.#} % | {100 * (1 - (planned[k] / statics[k])):0.0} % | {100 * Median(savings[k]):0.0} %, {100 * savings[k].Min():0.0} %, {100 * savings[k].Max():0.0} % | {100.0 * saturated[k] / hours:0.00} % ({saturated[k]} of {hours}) | {100.0 * saturatedOutsideSpikes[k] / Math.Max(1, hours - spikeHours):0.00} % | {seriesSaturating[k]} of {all.Count} |"));
        }

        lines.Add(Invariant($"spike hours (+30 % to +100 %, one hour in about 330): {spikeHours} of {hours}"));
        return (string.Join(Environment.NewLine, lines), targets.Select((t, k) => new
        {
            saturationTarget = t,
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
