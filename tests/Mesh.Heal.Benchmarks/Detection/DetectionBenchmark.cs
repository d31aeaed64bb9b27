using System.Globalization;
using System.Text.Json;
using Mesh.Heal.Agents.Anomalies;
using Mesh.Heal.Agents.Anomalies.Internal;
using Mesh.Heal.Agents.Resources;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Benchmarks.Detection;

/// <summary>The labelled benchmark of the anomaly detector and the leak detector: generated series with known anomalies,
/// leaks and look-alikes, scored the way NAB scores detectors and the way an operator would judge them.</summary>
/// <remarks>
/// Anomalies: a tuning set and a held-out set (another seed, two shapes and two kinds never used for tuning) of
/// <see cref="ProductionSeries"/>, each scored with NAB's three profiles (<see cref="NabScorer"/>) for the new detector,
/// the CAD OSE port alone, the old detector (a frozen copy, <see cref="LegacyAnomalyDetector"/>), a rolling z-score, a
/// seeded random detector, and the null and perfect detectors. Then, for the new detector at its own threshold, alarms as
/// events: consecutive points scoring at least the threshold (gaps of up to 3 points merged) are one alarm; an alarm that
/// overlaps a label (or the 6 points after it) is a true one, any other is false; a label with an overlapping alarm is
/// detected, its delay the time from its start to the alarm; no alarm in NAB's probation counts. Leaks are judged per
/// series (is it a leak, which shape), by the time-to-exhaustion error against the noise-free series, by how often the
/// 95 % interval holds the truth, and by the detection delay: the first prefix (every 15 min) judged a leak.
/// </remarks>
internal static class DetectionBenchmark
{
    private const int Tolerance = 6;

    public static async Task<int> RunAsync(ReadOnlyMemory<string> args, TextWriter output)
    {
        if (await SeriesArguments.ParseAsync("detection", args, 100) is not { } parsed)
        {
            return 2;
        }

        var (series, seed, json) = parsed;
        var tuningGenerator = new ProductionSeries(seed, heldOut: false);
        var heldOutGenerator = new ProductionSeries(seed + 7919, heldOut: true);
        var tuning = Enumerable.Range(0, series).Select(_ => tuningGenerator.Next()).ToList();
        var heldOut = Enumerable.Range(0, series).Select(_ => heldOutGenerator.Next()).ToList();
        var generator = new LabelledSeries(seed);
        var leaks = Leaks(Enumerable.Range(0, series).Select(_ => generator.Resource()).ToList());
        await output.WriteLineAsync($"Labelled detection benchmark, seed {seed}: {series} tuning series ({Describe(tuning)}), {series} held-out series "
            + $"(seed {seed + 7919}, {Describe(heldOut)}), {series} memory series (1 day at 1 min)");
        await output.WriteLineAsync();
        var (nabTable, nabFigures) = await NabAsync(tuning, heldOut, output);
        await output.WriteLineAsync(nabTable);
        await output.WriteLineAsync();
        var anomalies = Anomalies(tuning, "tuning");
        await output.WriteLineAsync(anomalies.Table);
        await output.WriteLineAsync();
        var heldOutAnomalies = Anomalies(heldOut, "held-out");
        await output.WriteLineAsync(heldOutAnomalies.Table);
        await output.WriteLineAsync();
        await output.WriteLineAsync(leaks.Table);
        if (json is not null)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(
                new { seed, series, nab = nabFigures, anomalies = anomalies.Figures, heldOutAnomalies = heldOutAnomalies.Figures, leaks = leaks.Figures },
                new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    private static string Describe(List<AnomalySeries> all) =>
        string.Create(CultureInfo.InvariantCulture, $"{all.Sum(s => s.Points.Count)} points, {all.Sum(s => s.Labels.Count)} windows; shapes ")
        + string.Join(" ", all.GroupBy(s => s.Shape).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))
        + "; kinds " + string.Join(" ", all.SelectMany(s => s.Labels).GroupBy(l => l.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));

    // Every detector's scores on both sets, scored with NAB's three profiles at one threshold per profile and set.
    private static async Task<(string Table, object Figures)> NabAsync(List<AnomalySeries> tuning, List<AnomalySeries> heldOut, TextWriter output)
    {
        var detectors = new List<(string Name, Func<AnomalySeries, IReadOnlyList<double>> Score)>
        {
            ("new detector (AnomalyDetector.ScoreAll)", s => AnomalyDetector.ScoreAll(s.Points)),
            ("CAD OSE port alone (its part of the new detector)", s => ContextualAnomalyDetector.ScoreAll(s.Points.Select(p => p.Value).ToList())),
            ("old detector (raw deviation, before issue 16)", s => LegacyAnomalyDetector.ScoreAll(s.Points)),
            ("rolling z-score (1 day window)", s => RollingZ(s.Points, 288)),
            ("random (seeded)", s => Random(s.Points.Count, s.Points.Count)),
            ("null (no alarm)", s => new double[s.Points.Count]),
            ("perfect (each window's first point)", s => Perfect(s)),
        };
        var lines = new List<string>
        {
            "NAB scores (nab/sweeper.py reimplemented: one threshold per profile and set, probation 15 % up to 750 points, 100·(raw − null)/(perfect − null))",
            "| detector | tuning standard | tuning low FP | tuning low FN | held-out standard | held-out low FP | held-out low FN | tuning windows hit / false points (std) | run time |",
            "|---|---|---|---|---|---|---|---|---|",
        };
        var figures = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, score) in detectors)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var t = tuning.Select(s => new NabFile(score(s), Windows(s))).ToList();
            var h = heldOut.Select(s => new NabFile(score(s), Windows(s))).ToList();
            watch.Stop();
            var tr = NabProfile.All.Select(p => NabScorer.Score(t, p)).ToList();
            var hr = NabProfile.All.Select(p => NabScorer.Score(h, p)).ToList();
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {tr[0].Normalized:0.0} | {tr[1].Normalized:0.0} | {tr[2].Normalized:0.0} | {hr[0].Normalized:0.0} | {hr[1].Normalized:0.0} | {hr[2].Normalized:0.0} | {tr[0].Detected}/{tr[0].Windows}, {tr[0].FalsePositivePoints} (threshold {tr[0].Threshold:0.####}) | {watch.Elapsed.TotalSeconds:0.0} s |"));
            figures[name] = new
            {
                tuning = NabProfile.All.Zip(tr).ToDictionary(x => x.First.Name, x => new { score = x.Second.Normalized, x.Second.Threshold, x.Second.Raw, x.Second.Detected, x.Second.Windows, x.Second.FalsePositivePoints }),
                heldOut = NabProfile.All.Zip(hr).ToDictionary(x => x.First.Name, x => new { score = x.Second.Normalized, x.Second.Threshold, x.Second.Raw, x.Second.Detected, x.Second.Windows, x.Second.FalsePositivePoints }),
            };
            await output.FlushAsync();
        }

        return (string.Join(Environment.NewLine, lines), figures);
    }

    private static List<(int Start, int End)> Windows(AnomalySeries s) => NabScorer.Windows(s.Points.Count, s.Labels.Select(l => l.Start).ToList());

    private static double[] Perfect(AnomalySeries s)
    {
        var scores = new double[s.Points.Count];
        foreach (var (start, _) in Windows(s))
        {
            scores[start] = 1;
        }

        return scores;
    }

    private static double[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.NextDouble()).ToArray();
    }

    // |value − mean| / sd over the previous window, squashed into [0, 1); 0 until the window is full.
    private static double[] RollingZ(IReadOnlyList<SeriesPoint> points, int window)
    {
        var scores = new double[points.Count];
        double sum = 0, squares = 0;
        for (var i = 0; i < points.Count; i++)
        {
            if (i >= window)
            {
                var mean = sum / window;
                var sd = Math.Sqrt(Math.Max(1e-12, (squares / window) - (mean * mean)));
                var z = Math.Abs(points[i].Value - mean) / sd;
                scores[i] = z / (z + 3);
                sum -= points[i - window].Value;
                squares -= points[i - window].Value * points[i - window].Value;
            }

            sum += points[i].Value;
            squares += points[i].Value * points[i].Value;
        }

        return scores;
    }

    private static (string Table, object Figures) Anomalies(List<AnomalySeries> all, string set)
    {
        var options = new AnomalyDetectorOptions();
        int alarms = 0, trueAlarms = 0;
        var perKind = new Dictionary<string, (int Events, int Detected, List<double> DelaysMinutes)>(StringComparer.Ordinal);
        var cleanSeries = 0;
        var cleanWithAlarm = 0;
        var falseByShape = new Dictionary<string, (int Series, int False)>(StringComparer.Ordinal);
        foreach (var s in all)
        {
            var scores = AnomalyDetector.ScoreAll(s.Points, options);
            var runs = Alarms(scores, options.Threshold, s.Probation);
            alarms += runs.Count;
            var truthful = runs.Count(r => s.Labels.Any(l => r.Start <= l.End + Tolerance && r.End >= l.Start));
            trueAlarms += truthful;
            var (n, f) = falseByShape.GetValueOrDefault(s.Shape);
            falseByShape[s.Shape] = (n + 1, f + runs.Count - truthful);
            if (s.Labels.Count == 0)
            {
                cleanSeries++;
                cleanWithAlarm += runs.Count > 0 ? 1 : 0;
            }

            foreach (var label in s.Labels)
            {
                var (count, detected, delays) = perKind.GetValueOrDefault(label.Kind, (0, 0, []));
                var hit = runs.Where(r => r.Start <= label.End + Tolerance && r.End >= label.Start).Select(r => Math.Max(r.Start, label.Start)).DefaultIfEmpty(-1).Min();
                if (hit >= 0)
                {
                    delays.Add((s.Points[hit].Time - s.Points[label.Start].Time).TotalMinutes);
                }

                perKind[label.Kind] = (count + 1, detected + (hit >= 0 ? 1 : 0), delays);
            }
        }

        var events = perKind.Values.Sum(k => k.Events);
        var detectedAll = perKind.Values.Sum(k => k.Detected);
        var precision = alarms == 0 ? 1 : (double)trueAlarms / alarms;
        var recall = events == 0 ? 1 : (double)detectedAll / events;
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"New anomaly detector on the {set} set, alarms at its own threshold ({options.Threshold}); an alarm within 6 points after a label still counts"),
            "| anomaly | events | detected | recall | median delay | p90 delay |",
            "|---|---|---|---|---|---|",
        };
        foreach (var (kind, (n, detected, delays)) in perKind.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"| {kind} | {n} | {detected} | {Percent((double)detected / n)} | {Minutes(Quantile(delays, 0.5))} | {Minutes(Quantile(delays, 0.9))} |"));
        }

        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"| all | {events} | {detectedAll} | {Percent(recall)} | {Minutes(Quantile(perKind.Values.SelectMany(k => k.DelaysMinutes).ToList(), 0.5))} | {Minutes(Quantile(perKind.Values.SelectMany(k => k.DelaysMinutes).ToList(), 0.9))} |"));
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"alarms {alarms}, of which true {trueAlarms}: precision {Percent(precision)}, recall {Percent(recall)}, F1 {2 * precision * recall / Math.Max(1e-9, precision + recall):0.000}; series without anomalies that raised an alarm: {cleanWithAlarm} of {cleanSeries}"));
        lines.Add("false alarms per series, by shape: " + string.Join(", ", falseByShape.OrderBy(k => k.Key, StringComparer.Ordinal)
            .Select(k => string.Create(CultureInfo.InvariantCulture, $"{k.Key} {(double)k.Value.False / k.Value.Series:0.00} ({k.Value.Series} series)"))));
        return (string.Join(Environment.NewLine, lines), new
        {
            alarms, trueAlarms, precision, recall, cleanSeries, cleanWithAlarm,
            kinds = perKind.ToDictionary(k => k.Key, k => new { events = k.Value.Events, detected = k.Value.Detected, medianDelayMinutes = Quantile(k.Value.DelaysMinutes, 0.5) }),
        });
    }

    private static (string Table, object Figures) Leaks(List<ResourceCase> all)
    {
        int tp = 0, fp = 0, fn = 0, tn = 0, shapeRight = 0, nonLeaks = 0, everFlagged = 0, covered = 0, withTruth = 0;
        var errors = new List<double>();
        var delays = new List<double>();
        var confusion = new Dictionary<(string Truth, string Said), int>();
        var flaggedByKind = new Dictionary<string, (int Series, int Flagged)>(StringComparer.Ordinal);
        foreach (var c in all)
        {
            var verdict = LeakDetector.Analyze(c.Points, c.Limit);
            var leak = c.Kind == "leak";
            (tp, fp, fn, tn) = (leak, verdict.Leak) switch
            {
                (true, true) => (tp + 1, fp, fn, tn),
                (false, true) => (tp, fp + 1, fn, tn),
                (true, false) => (tp, fp, fn + 1, tn),
                _ => (tp, fp, fn, tn + 1),
            };
            confusion[(c.Kind, verdict.KindName)] = confusion.GetValueOrDefault((c.Kind, verdict.KindName)) + 1;
            shapeRight += verdict.KindName == c.Kind ? 1 : 0;
            if (leak && verdict.Leak && c.TrueHours is { } truth && verdict.TimeToExhaustionHours is { } estimate)
            {
                withTruth++;
                errors.Add(Math.Abs(estimate - truth) / truth);
                covered += truth >= (verdict.LowerHours ?? 0) && truth <= (verdict.UpperHours ?? double.PositiveInfinity) ? 1 : 0;
            }

            // Prefixes every 15 min from 1 h on: when is a leak first called, and is a look-alike ever called one?
            var first = -1;
            for (var end = 60; end <= c.Points.Count; end += 15)
            {
                if (LeakDetector.Analyze(c.Points.Take(end).ToList(), c.Limit).Leak)
                {
                    first = end;
                    break;
                }
            }

            if (leak && first >= 0)
            {
                delays.Add((first - Math.Max(0, c.LeakStart)) / 60.0);
            }

            if (!leak)
            {
                nonLeaks++;
                everFlagged += first >= 0 ? 1 : 0;
                var (n, f) = flaggedByKind.GetValueOrDefault(c.Kind);
                flaggedByKind[c.Kind] = (n + 1, f + (first >= 0 ? 1 : 0));
            }
        }

        var precision = tp + fp == 0 ? 1 : (double)tp / (tp + fp);
        var recall = tp + fn == 0 ? 1 : (double)tp / (tp + fn);
        var kinds = new[] { "leak", "sawtooth", "warm-up", "step", "stable" };
        var lines = new List<string>
        {
            "Leak detector (whole day judged)",
            "| truth \\ verdict | " + string.Join(" | ", kinds) + " | other |",
            "|---|" + string.Concat(Enumerable.Repeat("---|", kinds.Length + 1)),
        };
        foreach (var truth in kinds)
        {
            var row = kinds.Select(k => confusion.GetValueOrDefault((truth, k)).ToString(CultureInfo.InvariantCulture)).ToList();
            row.Add(confusion.Where(x => x.Key.Truth == truth && !kinds.Contains(x.Key.Said)).Sum(x => x.Value).ToString(CultureInfo.InvariantCulture));
            lines.Add($"| {truth} | {string.Join(" | ", row)} |");
        }

        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"leak precision {Percent(precision)}, recall {Percent(recall)}; shape right {Percent((double)shapeRight / all.Count)}"));
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"time to exhaustion (true 2 h to 3 days ahead): median relative error {Percent(Quantile(errors, 0.5) ?? 0)}, p90 {Percent(Quantile(errors, 0.9) ?? 0)}; 95 % interval holds the truth in {covered} of {withTruth} ({Percent(withTruth == 0 ? 0 : (double)covered / withTruth)})"));
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"detection delay (prefixes every 15 min from 1 h): median {Hours(Quantile(delays, 0.5))}, p90 {Hours(Quantile(delays, 0.9))}; leaks never called on any prefix: {tp + fn - delays.Count}; look-alikes called a leak on some prefix: {everFlagged} of {nonLeaks} ({string.Join(", ", flaggedByKind.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value.Flagged} of {k.Value.Series}"))})"));
        return (string.Join(Environment.NewLine, lines), new
        {
            truePositives = tp, falsePositives = fp, falseNegatives = fn, trueNegatives = tn, precision, recall,
            medianRelativeError = Quantile(errors, 0.5), p90RelativeError = Quantile(errors, 0.9), intervalCoverage = withTruth == 0 ? 0 : (double)covered / withTruth,
            medianDelayHours = Quantile(delays, 0.5), lookAlikesEverFlagged = everFlagged, lookAlikes = nonLeaks,
        });
    }

    private static List<(int Start, int End)> Alarms(IReadOnlyList<double> scores, double threshold, int probation)
    {
        var runs = new List<(int Start, int End)>();
        for (var i = probation; i < scores.Count; i++)
        {
            if (scores[i] < threshold)
            {
                continue;
            }

            if (runs.Count > 0 && i - runs[^1].End <= 3)
            {
                runs[^1] = (runs[^1].Start, i);
            }
            else
            {
                runs.Add((i, i));
            }
        }

        return runs;
    }

    private static double? Quantile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(q * sorted.Count))];
    }

    private static string Percent(double value) => string.Create(CultureInfo.InvariantCulture, $"{value * 100:0.0} %");

    private static string Minutes(double? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:0} min") : "-";

    private static string Hours(double? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:0.00} h") : "-";
}
