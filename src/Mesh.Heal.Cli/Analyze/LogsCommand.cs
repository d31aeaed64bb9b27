using System.Globalization;
using System.Text;
using System.Text.Json;
using Mesh.Heal.Agents.Logs;

namespace Mesh.Heal.Cli.Analyze;

/// <summary><c>meshctl analyze logs &lt;file&gt;</c>: the bug fixer's log analysis on a file, with no control plane:
/// templates with their counts, exception clusters and their root cause.</summary>
/// <remarks>
/// Plain text and JSON lines (Microsoft.Extensions.Logging, Serilog) are read; stack traces of .NET, Java, Python and Go are
/// joined to their record. Records are placed in time by their own timestamps (the file's last one is "now" for the
/// burst), or one second apart when they carry none. <c>--lines</c> writes <c>templateId&lt;TAB&gt;template</c> for every
/// input line, <c>-1</c> and nothing for a blank or malformed line: every line is its own message there (a stack trace's
/// lines are not joined, since grouping is judged line by line), and the whole file is mined before any id is written,
/// with <see cref="OfflineTemplateMiner"/>'s merges.
/// </remarks>
internal static class LogsCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static async Task<int> RunAsync(string command, string path, TextReader input, TextWriter output, TextWriter error, bool json, bool lines, int top)
    {
        TextReader source;
        try
        {
            source = path == "-" ? input : new StreamReader(path, Encoding.UTF8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{command}: '{path}' could not be read: {ex.Message}");
            return 2;
        }

        if (lines)
        {
            using (source == input ? null : source)
            {
                return await LinesAsync(command, path, source, output, error);
            }
        }

        var reader = new LogRecordReader();
        var analyzer = new LogAnalyzer();
        var clusterRecords = new Dictionary<string, long>(StringComparer.Ordinal);
        var clock = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        void Take(IReadOnlyList<LogRecord> records)
        {
            foreach (var record in records)
            {
                // Records without a timestamp follow the last one by a second, so a file of them still spans time.
                clock = record.Time is { } t && t > clock ? t : clock.AddSeconds(record.Time is null ? 1 : 0);
                analyzer.Add(record, clock);
            }
        }

        using (source == input ? null : source)
        {
            while (await source.ReadLineAsync() is { } line)
            {
                Take(reader.Add(line));
            }

            Take(reader.Flush());
        }

        analyzer.Count(reader.Lines, reader.Malformed);
        if (reader.Malformed > 0)
        {
            await error.WriteLineAsync($"{command}: {reader.Malformed} malformed line(s) dropped (they open with '{{' but are not JSON objects)");
        }

        if (analyzer.Records == 0)
        {
            await error.WriteLineAsync($"{command}: '{path}' holds no log record");
            return 1;
        }

        var digest = analyzer.Digest(path == "-" ? "stdin" : Path.GetFileName(path), clock, top);
        var classified = digest.Clusters.Select(c => (Cluster: c, Cause: RootCauseClassifier.Classify(c))).ToList();
        await output.WriteLineAsync(json ? Json(digest, classified) : Table(digest, classified, top));
        return 0;
    }

    // Each line read on its own (a JSON line's message, a plain line less its timestamp and level), the file mined as a whole.
    private static async Task<int> LinesAsync(string command, string path, TextReader source, TextWriter output, TextWriter error)
    {
        var reader = new LogRecordReader();
        var messages = new List<string?>();
        while (await source.ReadLineAsync() is { } line)
        {
            var records = reader.Add(line);
            var record = records.Count > 0 ? records[0] : reader.Flush() is { Count: > 0 } flushed ? flushed[0] : null;
            // A header line whose message follows on the next one (MEL's "info: Api[1]") is mined as it is.
            messages.Add(record is null ? null : string.IsNullOrWhiteSpace(record.Message) ? line.Trim() : record.Message);
        }

        if (reader.Malformed > 0)
        {
            await error.WriteLineAsync($"{command}: {reader.Malformed} malformed line(s) dropped (they open with '{{' but are not JSON objects)");
        }

        if (messages.TrueForAll(m => m is null))
        {
            await error.WriteLineAsync($"{command}: '{path}' holds no log record");
            return 1;
        }

        var mined = OfflineTemplateMiner.Mine(messages);
        var builder = new StringBuilder();
        foreach (var id in mined.Ids)
        {
            builder.Append(id.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(id < 0 ? string.Empty : mined.Templates[id - 1]).Append('\n');
            if (builder.Length > 1 << 20)
            {
                await output.WriteAsync(builder.ToString());
                builder.Clear();
            }
        }

        await output.WriteAsync(builder.ToString());
        return 0;
    }

    private static string Table(LogDigest digest, List<(ErrorCluster Cluster, RootCause Cause)> clusters, int top)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{digest.Lines} lines, {digest.Records} records, {digest.Errors} errors, {digest.Malformed} malformed, {digest.TemplateCount} templates\n\n");
        text.Append(CultureInfo.InvariantCulture, $"templates (top {Math.Min(top, digest.Templates.Count)} by count)\n");
        text.Append(CultureInfo.InvariantCulture, $"{"id",6} {"count",9} {"errors",7}  template\n");
        foreach (var t in digest.Templates)
        {
            text.Append(CultureInfo.InvariantCulture, $"{t.Id,6} {t.Count,9} {t.Errors,7}  {Cut(t.Template, 110)}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\nerror clusters ({clusters.Count})\n");
        text.Append(CultureInfo.InvariantCulture, $"{"cluster",-12} {"count",7} {"cause",-19} {"conf",4}  {"type",-38} where / message\n");
        foreach (var (c, cause) in clusters)
        {
            var where = c.TopFrame is { } f ? $"{f.Function}{(f.File is null ? string.Empty : $" ({Path.GetFileName(f.File)}:{f.Line})")}" : Cut(c.Template, 60);
            var type = c.Type.Length == 0 ? "(log)" : c.Type;
            text.Append(CultureInfo.InvariantCulture, $"{c.Id,-12} {c.Count,7} {cause.Cause,-19} {cause.Confidence,4:0.00}  {Cut(type, 38),-38} {Cut(where, 70)}\n");
            var message = c.ExceptionMessage.Length > 0 ? c.ExceptionMessage : c.Message;
            text.Append(CultureInfo.InvariantCulture, $"{string.Empty,-12} {string.Empty,7} {Cut(message, 120)}\n");
        }

        return text.ToString().TrimEnd('\n');
    }

    private static string Json(LogDigest digest, List<(ErrorCluster Cluster, RootCause Cause)> clusters) => JsonSerializer.Serialize(new
    {
        lines = digest.Lines,
        records = digest.Records,
        errors = digest.Errors,
        malformed = digest.Malformed,
        templateCount = digest.TemplateCount,
        templates = digest.Templates,
        clusters = clusters.Select(c => new
        {
            id = c.Cluster.Id,
            language = c.Cluster.Language,
            type = c.Cluster.Type,
            exceptionMessage = c.Cluster.ExceptionMessage,
            message = c.Cluster.Message,
            template = c.Cluster.Template,
            count = c.Cluster.Count,
            firstSeen = c.Cluster.FirstSeen,
            lastSeen = c.Cluster.LastSeen,
            chain = c.Cluster.Chain,
            frames = c.Cluster.Frames,
            cause = c.Cause.Cause,
            confidence = c.Cause.Confidence,
            evidence = c.Cause.Evidence,
        }),
    }, JsonOptions);

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..(length - 3)] + "...";
}
