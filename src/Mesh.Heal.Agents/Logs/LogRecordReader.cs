using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mesh.Heal.Agents.Logs;

/// <summary>Turns a stream of log lines into records: plain text or JSON lines (Microsoft.Extensions.Logging's JSON console
/// format, Serilog's JSON and compact JSON), with the lines that continue a record (stack traces, Python tracebacks, Go
/// panics) joined to it.</summary>
/// <remarks>
/// Feed it lines in order with <see cref="Add"/>; a record is complete when the next one starts, or at <see cref="Flush"/>.
/// A line that opens with <c>{</c> but is not a JSON object is counted in <see cref="Malformed"/> and dropped. A
/// continuation is a line that starts with white space, an exception header (<c>System.NullReferenceException: ...</c>,
/// <c>java.lang.IllegalStateException</c>), <c>Caused by:</c>, <c>... 3 more</c>, or any line of a Python traceback or a Go
/// panic until it ends. Not thread-safe: one reader per source.
/// </remarks>
public sealed class LogRecordReader
{
    /// <summary>The most lines joined into one record; past it the record is cut (a runaway trace must not hold memory).</summary>
    public const int MaximumLinesPerRecord = 400;

    private readonly List<LogRecord> _ready = [];
    private Pending? _pending;

    /// <summary>Lines that looked like JSON and were not, dropped.</summary>
    public long Malformed { get; private set; }

    /// <summary>Lines read.</summary>
    public long Lines { get; private set; }

    /// <summary>Adds <paramref name="line"/>; returns the records it completed (usually none or one), valid until the next call.</summary>
    public IReadOnlyList<LogRecord> Add(string line)
    {
        _ready.Clear();
        Lines++;
        line = line.TrimEnd('\r', '\n');
        if (_pending is { } pending && pending.Continues(line))
        {
            pending.Append(line);
            return _ready;
        }

        Complete();
        if (line.Length > 0 && line[0] == '{')
        {
            if (ParseJson(line) is { } record)
            {
                _ready.Add(record with { FirstLine = Lines });
            }
            else
            {
                Malformed++;
            }

            return _ready;
        }

        if (line.Trim().Length > 0)
        {
            _pending = new Pending(line, Lines);
        }

        return _ready;
    }

    /// <summary>Completes the record in progress; returns it, or nothing.</summary>
    public IReadOnlyList<LogRecord> Flush()
    {
        _ready.Clear();
        Complete();
        return _ready;
    }

    /// <summary>Reads every record of <paramref name="lines"/>.</summary>
    public static IEnumerable<LogRecord> ReadAll(IEnumerable<string> lines, LogRecordReader? reader = null)
    {
        reader ??= new LogRecordReader();
        foreach (var line in lines)
        {
            foreach (var record in reader.Add(line))
            {
                yield return record;
            }
        }

        foreach (var record in reader.Flush())
        {
            yield return record;
        }
    }

    private void Complete()
    {
        if (_pending is { } pending)
        {
            _ready.Add(pending.ToRecord());
            _pending = null;
        }
    }

    private static LogRecord? ParseJson(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            // Serilog compact (@t, @m/@mt, @l, @x), Serilog JSON (Timestamp, Level, RenderedMessage/MessageTemplate, Exception),
            // Microsoft.Extensions.Logging JSON console (Timestamp, LogLevel, Category, Message, Exception).
            var time = Text(root, "@t", "Timestamp", "timestamp", "time", "ts", "@timestamp");
            var level = Text(root, "@l", "LogLevel", "Level", "level", "severity", "lvl");
            var message = Text(root, "@m", "RenderedMessage", "Message", "message", "msg", "@mt", "MessageTemplate") ?? string.Empty;
            var exception = Text(root, "@x", "Exception", "exception", "error.stack", "stack_trace", "stacktrace");
            var category = Text(root, "Category", "SourceContext", "logger", "logger_name", "category") ?? string.Empty;
            if (category.Length == 0 && root.TryGetProperty("Properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            {
                category = Text(properties, "SourceContext") ?? string.Empty;
            }

            // Serilog compact leaves @l out for Information.
            var normalised = level is null ? (root.TryGetProperty("@mt", out _) || root.TryGetProperty("@m", out _) ? "info" : string.Empty) : LogRecord.NormaliseLevel(level);
            return new LogRecord(ParseTime(time), normalised, message, string.IsNullOrWhiteSpace(exception) ? null : exception) { Category = category };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, params string[] names)
    {
        foreach (var name in names)
        {
            if (element.TryGetProperty(name, out var value))
            {
                return value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Null or JsonValueKind.Undefined => null,
                    _ => value.GetRawText(),
                };
            }
        }

        return null;
    }

    internal static DateTimeOffset? ParseTime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        // log4j/logback and Python logging write a comma before the milliseconds.
        var comma = text.Replace(',', '.');
        return DateTimeOffset.TryParse(comma, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time) ? time : null;
    }

    // A record being joined: its first line and its continuation lines.
    private sealed class Pending(string first, long firstLine)
    {
        private readonly StringBuilder _rest = new();
        private int _lines = 1;
        private Mode _mode = ModeOf(first);

        private enum Mode
        {
            Plain,
            PythonTraceback,
            GoPanic,
        }

        public bool Continues(string line)
        {
            if (_lines >= MaximumLinesPerRecord)
            {
                return false;
            }

            if (_mode == Mode.GoPanic)
            {
                return PlainLine.StartsRecord(line) is false;
            }

            if (line.Length == 0)
            {
                return false;
            }

            if (_mode == Mode.PythonTraceback)
            {
                // The exception line ends the traceback; it is not indented.
                if (!char.IsWhiteSpace(line[0]) && !line.StartsWith("Traceback (most recent call last):", StringComparison.Ordinal)
                    && !line.StartsWith("During handling of the above exception", StringComparison.Ordinal)
                    && !line.StartsWith("The above exception was the direct cause", StringComparison.Ordinal))
                {
                    _mode = Mode.Plain;
                    _closing = true;
                }

                return true;
            }

            return char.IsWhiteSpace(line[0])
                || line.StartsWith("Caused by:", StringComparison.Ordinal)
                || line.StartsWith("Traceback (most recent call last):", StringComparison.Ordinal)
                || StackTraceParser.IsExceptionHeader(line)
                || (line.StartsWith("...", StringComparison.Ordinal) && line.EndsWith("more", StringComparison.Ordinal));
        }

        private bool _closing;

        public void Append(string line)
        {
            if (_closing)
            {
                _closing = false;
            }
            else if (ModeOf(line) is var mode && mode != Mode.Plain)
            {
                _mode = mode;
            }

            _rest.Append(line).Append('\n');
            _lines++;
        }

        public LogRecord ToRecord()
        {
            var head = PlainLine.Parse(first);
            var rest = _rest.ToString().TrimEnd('\n');
            if (first.StartsWith("panic: ", StringComparison.Ordinal))
            {
                // The Go runtime writes a panic as it is, with no prefix: "panic" is not a level here, it is the trace.
                return new LogRecord(null, "critical", first.Trim(), first + "\n" + rest) { FirstLine = firstLine, LineCount = _lines };
            }

            string? exception = null;
            var message = head.Message;
            if (StackTraceParser.LooksLikeException(head.Message))
            {
                exception = rest.Length == 0 ? head.Message : head.Message + "\n" + rest;
            }
            else if (rest.Length > 0)
            {
                // Microsoft.Extensions.Logging's simple console puts the message on the second line, indented.
                var lines = rest.Split('\n');
                var start = 0;
                if (head.Message.Length == 0 || head.MessageIsCategory)
                {
                    message = lines[0].Trim();
                    start = 1;
                }

                var trace = Dedent(lines[start..]);
                exception = StackTraceParser.LooksLikeException(trace) ? trace : null;
                if (exception is null && trace.Length > 0)
                {
                    message = message + " " + string.Join(' ', lines[start..].Select(l => l.Trim()));
                }
            }

            return new LogRecord(head.Time, head.Level, message, exception) { Category = head.Category, FirstLine = firstLine, LineCount = _lines };
        }

        // The lines less the indentation they share: a trace indented under a message reads as the runtime printed it.
        private static string Dedent(string[] lines)
        {
            var indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
            return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart())).Trim('\n');
        }

        private static Mode ModeOf(string line) =>
            line.Contains("Traceback (most recent call last):", StringComparison.Ordinal) ? Mode.PythonTraceback
            : line.Contains("panic: ", StringComparison.Ordinal) ? Mode.GoPanic
            : Mode.Plain;
    }
}
