using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mesh.Heal.Agents.Logs;

namespace Mesh.Heal.Benchmarks.Logs;

/// <summary>The labelled benchmark of the bug fixer's log analysis: template grouping accuracy on a corpus of known events,
/// root-cause classification accuracy on incidents of known cause, and the miner's rate on one thread.</summary>
/// <remarks>
/// Grouping accuracy is the log-parsing benchmarks' (Zhu et al., ICSE-SEIP 2019): a record is parsed right when the
/// records its template holds are exactly the records of its true event. Classification runs the agent's path end to end:
/// the incident's lines through the record reader and the analyzer (trace parsing, clustering), and its error cluster
/// through the classifier, with no telemetry.
/// </remarks>
internal static partial class LogBenchmark
{
    public static async Task<int> RunAsync(ReadOnlyMemory<string> args, TextWriter output)
    {
        int records = 100_000, seed = 1, perKind = 10, familyLines = 2000;
        string? json = null, write = null;
        var explain = false;
        var a = args.Span;
        for (var i = 0; i < a.Length; i++)
        {
            switch (a[i])
            {
                case "--records" when i + 1 < a.Length && int.TryParse(a[i + 1], CultureInfo.InvariantCulture, out records) && records is > 0 and <= 10_000_000:
                case "--seed" when i + 1 < a.Length && int.TryParse(a[i + 1], CultureInfo.InvariantCulture, out seed):
                case "--per-kind" when i + 1 < a.Length && int.TryParse(a[i + 1], CultureInfo.InvariantCulture, out perKind) && perKind is > 0 and <= 1000:
                case "--family-lines" when i + 1 < a.Length && int.TryParse(a[i + 1], CultureInfo.InvariantCulture, out familyLines) && familyLines is >= 100 and <= 1_000_000:
                    i++;
                    break;
                case "--json" when i + 1 < a.Length:
                    json = a[++i];
                    break;
                case "--explain":
                    explain = true;
                    break;
                case "--write" when i + 1 < a.Length:
                    write = a[++i];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"logs: '{a[i]}' is not accepted; accepted: --records 1..10000000, --seed N, --per-kind 1..1000, --family-lines 100..1000000, --explain, --json <file>, --write <directory>");
                    return 2;
            }
        }

        var corpus = new LogCorpus(seed);
        var (lines, labels) = corpus.Lines(records);
        var templates = Templates(lines, labels);
        var families = await FamiliesAsync(seed, familyLines, write, explain);
        var incidents = Classification(seed, perKind);
        var rate = Rate(lines);
        await output.WriteLineAsync($"Labelled log benchmark: {records} records ({lines.Count} lines) of {LogCorpus.Events.Length} events in 7 formats; {incidents.Count} incidents of {Incidents.Kinds.Length} kinds in 4 languages; seed {seed}");
        await output.WriteLineAsync();
        await output.WriteLineAsync(templates.Table);
        await output.WriteLineAsync();
        await output.WriteLineAsync(families.Table);
        await output.WriteLineAsync();
        await output.WriteLineAsync(incidents.Table);
        await output.WriteLineAsync();
        await output.WriteLineAsync($"reader + miner, one thread, Stopwatch over the corpus (BenchmarkDotNet: micro --filter *LogMiner*): {rate:N0} lines/s");
        if (write is not null)
        {
            Write(write, lines, labels, seed, perKind);
            await output.WriteLineAsync($"corpus written to {write}: corpus.log, corpus.labels, events.tsv, incidents/*.log, incidents.tsv");
        }

        if (json is not null)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { seed, records, templates = templates.Figures, families = families.Figures, incidents = incidents.Figures, linesPerSecond = rate }, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    private static (string Table, object Figures) Templates(List<string> lines, List<int> labels)
    {
        var miner = new TemplateMiner();
        var predicted = new List<int>(labels.Count);
        foreach (var record in LogRecordReader.ReadAll(lines))
        {
            predicted.Add(miner.Add(record.Message).Id);
        }

        if (predicted.Count != labels.Count)
        {
            throw new InvalidOperationException($"the reader made {predicted.Count} records of {labels.Count}");
        }

        var correct = Grouping(predicted, labels);
        var byFormat = LogCorpus.Events.Select((e, i) => (e.Format, Id: i)).GroupBy(e => e.Format).Select(g =>
        {
            var ids = g.Select(e => e.Id).ToHashSet();
            var total = labels.Count(ids.Contains);
            var right = labels.Where((l, i) => ids.Contains(l) && correct[i]).Count();
            return (Format: g.Key, Total: total, Right: right);
        }).ToList();
        var wrongEvents = Enumerable.Range(0, LogCorpus.Events.Length)
            .Select(id => (Id: id, Total: labels.Count(l => l == id), Wrong: labels.Where((l, i) => l == id && !correct[i]).Count()))
            .Where(e => e.Wrong > 0).OrderByDescending(e => e.Wrong).ToList();
        var accuracy = (double)correct.Count(c => c) / labels.Count;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Template mining: grouping accuracy {accuracy:P1} ({correct.Count(c => c)} of {labels.Count} records); {predicted.Distinct().Count()} templates for {labels.Distinct().Count()} events seen\n");
        text.Append("  by format:   ").Append(string.Join("  ", byFormat.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Format} {(double)f.Right / Math.Max(1, f.Total):P1}")))).Append('\n');
        foreach (var e in wrongEvents.Take(8))
        {
            text.Append(CultureInfo.InvariantCulture, $"  missed: event {e.Id,2} ({LogCorpus.Events[e.Id].Format}) {e.Wrong}/{e.Total} records: {LogCorpus.Events[e.Id].Pattern}\n");
        }

        return (text.ToString().TrimEnd('\n'), new { accuracy, templates = predicted.Distinct().Count(), events = labels.Distinct().Count(), byFormat = byFormat.Select(f => new { f.Format, accuracy = (double)f.Right / Math.Max(1, f.Total) }) });
    }

    // A record is right when its template's records are exactly its event's records.
    internal static bool[] Grouping(IReadOnlyList<int> predicted, IReadOnlyList<int> truth)
    {
        var byPredicted = new Dictionary<int, HashSet<int>>();
        var predictedSize = new Dictionary<int, int>();
        var truthSize = new Dictionary<int, int>();
        for (var i = 0; i < predicted.Count; i++)
        {
            (byPredicted.TryGetValue(predicted[i], out var set) ? set : byPredicted[predicted[i]] = []).Add(truth[i]);
            predictedSize[predicted[i]] = predictedSize.GetValueOrDefault(predicted[i]) + 1;
            truthSize[truth[i]] = truthSize.GetValueOrDefault(truth[i]) + 1;
        }

        return [.. Enumerable.Range(0, predicted.Count).Select(i => byPredicted[predicted[i]].Count == 1 && predictedSize[predicted[i]] == truthSize[truth[i]])];
    }

    private static (string Table, object Figures, int Count) Classification(int seed, int perKind)
    {
        var random = new Random(seed);
        // "no error": the analyzer found no error record in the incident at all.
        IReadOnlyList<string> causes = [.. RootCauseClassifier.Causes, "no error"];
        var confusion = causes.ToDictionary(c => c, _ => causes.ToDictionary(c => c, _ => 0, StringComparer.Ordinal), StringComparer.Ordinal);
        var byLanguage = new Dictionary<string, (int Total, int Right)>(StringComparer.Ordinal);
        var missed = new List<string>();
        var total = 0;
        var right = 0;
        foreach (var kind in Incidents.Kinds)
        {
            var kindRight = 0;
            string? lastWrong = null;
            for (var r = 0; r < perKind; r++)
            {
                var cause = Classify(Incidents.Render(kind, random));
                confusion[kind.Cause][cause]++;
                total++;
                var ok = cause == kind.Cause;
                right += ok ? 1 : 0;
                kindRight += ok ? 1 : 0;
                lastWrong = ok ? lastWrong : cause;
                var (t, rr) = byLanguage.GetValueOrDefault(kind.Language);
                byLanguage[kind.Language] = (t + 1, rr + (ok ? 1 : 0));
            }

            if (kindRight < perKind)
            {
                missed.Add($"{kind.Language} {kind.Type}{(kind.Message.Length > 0 ? ": " + Cut(kind.Message, 60) : string.Empty)} is {kind.Cause}, classified {lastWrong} ({perKind - kindRight}/{perKind})");
            }
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Root-cause classification: accuracy {(double)right / total:P1} ({right} of {total} incidents)\n");
        text.Append("  by language: ").Append(string.Join("  ", byLanguage.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key} {(double)l.Value.Right / l.Value.Total:P1}")))).Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"  {"label \\ classified",-21}").Append(string.Concat(causes.Select(c => $"{Abbreviation(c),11}"))).Append("     recall\n");
        foreach (var label in causes.Where(c => confusion[c].Values.Sum() > 0))
        {
            var row = confusion[label];
            var count = row.Values.Sum();
            text.Append(CultureInfo.InvariantCulture, $"  {label,-21}").Append(string.Concat(causes.Select(c => $"{row[c],11}")))
                .Append(string.Create(CultureInfo.InvariantCulture, $"{(double)row[label] / count,11:P0}")).Append('\n');
        }

        foreach (var m in missed)
        {
            text.Append("  missed: ").Append(m).Append('\n');
        }

        return (text.ToString().TrimEnd('\n'), new { accuracy = (double)right / total, total, confusion, missed }, total);
    }

    // The agent's path: the analyzer's error cluster of the incident, classified as the agent classifies it.
    private static string Classify(List<string> lines)
    {
        var analyzer = new LogAnalyzer();
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        foreach (var record in LogRecordReader.ReadAll(lines))
        {
            analyzer.Add(record, at);
        }

        return analyzer.Digest("incident", at).Clusters.FirstOrDefault() is { } cluster ? RootCauseClassifier.Classify(cluster).Cause : "no error";
    }

    private static double Rate(List<string> lines)
    {
        // A warm-up pass, then the timed one: reader and miner, as the control plane runs them per source.
        foreach (var _ in LogRecordReader.ReadAll(lines.Take(20_000)))
        {
        }

        var watch = Stopwatch.StartNew();
        var miner = new TemplateMiner();
        foreach (var record in LogRecordReader.ReadAll(lines))
        {
            miner.Add(record.Message);
        }

        return lines.Count / watch.Elapsed.TotalSeconds;
    }

    private static void Write(string directory, List<string> lines, List<int> labels, int seed, int perKind)
    {
        Directory.CreateDirectory(Path.Combine(directory, "incidents"));
        File.WriteAllLines(Path.Combine(directory, "corpus.log"), lines);
        // One label per line: the lines of a record share its event.
        var perLine = new List<string>();
        var record = 0;
        foreach (var r in LogRecordReader.ReadAll(lines))
        {
            for (var i = 0; i < r.LineCount; i++)
            {
                perLine.Add(labels[record].ToString(CultureInfo.InvariantCulture));
            }

            record++;
        }

        File.WriteAllLines(Path.Combine(directory, "corpus.labels"), perLine);
        File.WriteAllLines(Path.Combine(directory, "events.tsv"), LogCorpus.Events.Select((e, i) => $"{i}\t{e.Format}\t{e.Pattern}"));
        var random = new Random(seed);
        var index = new List<string> { "file\tlanguage\tcause\ttype" };
        var n = 0;
        foreach (var kind in Incidents.Kinds)
        {
            for (var r = 0; r < Math.Min(perKind, 3); r++)
            {
                var name = $"incidents/{n++:000}-{kind.Language}-{kind.Cause}.log";
                File.WriteAllLines(Path.Combine(directory, name), Incidents.Render(kind, random));
                index.Add($"{name}\t{kind.Language}\t{kind.Cause}\t{kind.Type}");
            }
        }

        File.WriteAllLines(Path.Combine(directory, "incidents.tsv"), index);
    }

    private static string Abbreviation(string cause) => cause switch
    {
        "null-pointer" => "null",
        "resource-exhaustion" => "resource",
        "dependency-failure" => "depend.",
        _ => cause,
    };

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..(length - 3)] + "...";
}
