namespace Mesh.Heal.Agents.Logs;

/// <summary>One log record: a line, or a line and the lines that continue it (a stack trace), joined.</summary>
/// <param name="Time">The record's own timestamp, or null when it carries none.</param>
/// <param name="Level">Its level, normalised: <c>trace</c>, <c>debug</c>, <c>info</c>, <c>warning</c>, <c>error</c>, <c>critical</c>, or empty.</param>
/// <param name="Message">The message: the first line of a plain record, the rendered message of a JSON one.</param>
/// <param name="Exception">The exception text (type, message, frames), or null when it has none.</param>
public sealed record LogRecord(DateTimeOffset? Time, string Level, string Message, string? Exception)
{
    /// <summary>The logger's category (<c>Orders.Api</c>), when the format names one.</summary>
    public string Category { get; init; } = string.Empty;

    /// <summary>The number (from 1) of its first line among the lines its reader read.</summary>
    public long FirstLine { get; init; }

    /// <summary>How many lines it was joined from.</summary>
    public int LineCount { get; init; } = 1;

    /// <summary>Whether it reports a failure: an error or critical level, or an exception.</summary>
    public bool IsError => Level is "error" or "critical" || Exception is not null;

    /// <summary>The level names the formats use, normalised, or empty when <paramref name="name"/> is none of them.</summary>
    public static string NormaliseLevel(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "trace" or "trce" or "verbose" or "vrb" or "finest" or "finer" => "trace",
        "debug" or "dbug" or "dbg" or "fine" => "debug",
        "info" or "information" or "inf" or "notice" => "info",
        "warn" or "warning" or "wrn" => "warning",
        "error" or "err" or "fail" or "eror" or "severe" => "error",
        "critical" or "crit" or "fatal" or "ftl" or "panic" or "emergency" or "alert" => "critical",
        _ => string.Empty,
    };
}
