using System.Text.RegularExpressions;

namespace Mesh.Heal.Agents.Logs;

/// <summary>The prefix of a plain-text log line: timestamp, level, category, and what follows them.</summary>
internal readonly partial record struct PlainLine(DateTimeOffset? Time, string Level, string Message, string Category, bool MessageIsCategory)
{
    /// <summary>Splits <paramref name="line"/>: ISO 8601 or <c>yyyy-MM-dd HH:mm:ss,fff</c> timestamps, bracketed or not; level
    /// words in any case (<c>ERROR</c>, <c>[ERR]</c>, <c>fail:</c>); logfmt's <c>level=</c> and <c>msg=</c>.</summary>
    public static PlainLine Parse(string line)
    {
        var match = Prefix().Match(line);
        if (!match.Success || match.Length == 0)
        {
            return Logfmt(line) ?? new PlainLine(null, string.Empty, line.Trim(), string.Empty, false);
        }

        var time = match.Groups["ts"].Success ? LogRecordReader.ParseTime(match.Groups["ts"].Value) : null;
        var level = match.Groups["lvl"].Success ? LogRecord.NormaliseLevel(match.Groups["lvl"].Value) : string.Empty;
        var rest = line[match.Length..].Trim();
        if (level.Length == 0 && Logfmt(rest) is { } logfmt)
        {
            return logfmt with { Time = time ?? logfmt.Time };
        }

        // Microsoft.Extensions.Logging's simple console: "fail: Orders.Api[12]", the message on the next line.
        var category = MelCategory().Match(rest);
        return category.Success
            ? new PlainLine(time, level, string.Empty, category.Groups[1].Value, true)
            : new PlainLine(time, level, rest, string.Empty, false);
    }

    /// <summary>Whether <paramref name="line"/> opens with a timestamp or a level, as the first line of a record does.</summary>
    public static bool StartsRecord(string line)
    {
        var match = Prefix().Match(line);
        return (match.Success && (match.Groups["ts"].Success || match.Groups["tod"].Success || match.Groups["lvl"].Success)) || line.Contains("level=", StringComparison.Ordinal);
    }

    private static PlainLine? Logfmt(string line)
    {
        var level = LogfmtLevel().Match(line);
        if (!level.Success)
        {
            return null;
        }

        var msg = LogfmtMessage().Match(line);
        var ts = LogfmtTime().Match(line);
        var err = LogfmtError().Match(line);
        var message = msg.Success ? (msg.Groups[1].Success ? msg.Groups[1].Value : msg.Groups[2].Value) : line;
        // The error is what the line is about when there is one: "request failed: context deadline exceeded".
        if (msg.Success && err.Success)
        {
            message += ": " + (err.Groups[1].Success ? err.Groups[1].Value.Replace("\\\"", "\"", StringComparison.Ordinal) : err.Groups[2].Value);
        }

        return new PlainLine(
            ts.Success ? LogRecordReader.ParseTime(ts.Groups[1].Value.Trim('"')) : null,
            LogRecord.NormaliseLevel(level.Groups[1].Value),
            message,
            string.Empty, false);
    }

    [GeneratedRegex(
        @"^(?:\[?(?<ts>\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2}| ?UTC)?)\]?|\[?(?<tod>\d{2}:\d{2}:\d{2}(?:[.,]\d+)?)\]?)?[\s|-]*(?:\[?(?<lvl>trace|trce|verbose|vrb|debug|dbug|dbg|info|information|inf|notice|warn|warning|wrn|error|err|eror|fail|fatal|ftl|crit|critical|severe|panic)\]?(?=[\s:|\]-]|$)[\s:|\]-]*)?",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Prefix();

    [GeneratedRegex(@"^([\w.]+)\[\d+\]$")]
    private static partial Regex MelCategory();

    [GeneratedRegex(@"(?:^|\s)(?:level|lvl)=""?(\w+)""?")]
    private static partial Regex LogfmtLevel();

    [GeneratedRegex(@"(?:^|\s)msg=(?:""((?:[^""\\]|\\.)*)""|(\S+))")]
    private static partial Regex LogfmtMessage();

    [GeneratedRegex(@"(?:^|\s)(?:err|error)=(?:""((?:[^""\\]|\\.)*)""|(\S+))")]
    private static partial Regex LogfmtError();

    [GeneratedRegex(@"(?:^|\s)(?:ts|time|timestamp)=(""[^""]*""|\S+)")]
    private static partial Regex LogfmtTime();
}
