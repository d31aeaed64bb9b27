using System.Globalization;
using System.Text.RegularExpressions;

namespace Mesh.Heal.Agents.Logs;

/// <summary>Reads exception type, message and frames out of .NET, Java, Python and Go stack traces.</summary>
/// <remarks>
/// .NET: <c>Type: message</c>, inner exceptions after <c>---&gt;</c>, frames <c>at M(args) in file:line N</c>; the root cause is
/// the innermost exception. Java: <c>Type: message</c>, frames <c>at pkg.C.m(File.java:N)</c>, causes after <c>Caused by:</c>;
/// the root cause is the last. Python: <c>Traceback (most recent call last):</c>, frames <c>File "f", line N, in fn</c>
/// (outermost first, so they are reversed), the exception on the last line; a chained traceback's last one is the root.
/// Go: <c>panic: message</c>, then per goroutine pairs of <c>pkg.fn(args)</c> and <c>\tfile.go:N +0x..</c>.
/// </remarks>
public static partial class StackTraceParser
{
    /// <summary>Whether <paramref name="line"/> opens an exception: a dotted type ending in Exception or Error, with a message or not.</summary>
    public static bool IsExceptionHeader(string line) => line.Length < 2000 && Header().IsMatch(line);

    /// <summary>Whether <paramref name="text"/> looks like an exception or a stack trace of any of the four languages.</summary>
    public static bool LooksLikeException(string text) =>
        text.StartsWith("Traceback (most recent call last):", StringComparison.Ordinal) || text.StartsWith("panic: ", StringComparison.Ordinal)
        || IsExceptionHeader(FirstLine(text)) || DotnetFrame().IsMatch(text);

    /// <summary>Parses <paramref name="text"/>, or returns null when it is no stack trace this parser knows.</summary>
    public static ParsedException? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var lines = text.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n');
        if (text.Contains("Traceback (most recent call last):", StringComparison.Ordinal))
        {
            return Python(lines);
        }

        if (text.Contains("panic: ", StringComparison.Ordinal) || GoFrameFile().IsMatch(text))
        {
            return Go(lines);
        }

        return JavaFrame().IsMatch(text) ? Java(lines) : Dotnet(lines);
    }

    private static ParsedException? Dotnet(string[] lines)
    {
        // The header chain: "A: m ---> B: m2 ---> C: m3"; frames until "--- End of inner exception stack trace ---" belong to the innermost.
        var headerLine = lines.FirstOrDefault(l => IsExceptionHeader(l.Trim())) ?? lines[0];
        var chain = new List<(string Type, string Message)>();
        foreach (var part in headerLine.Trim().Split(" ---> ", StringSplitOptions.RemoveEmptyEntries))
        {
            var header = Header().Match(part.Trim());
            if (header.Success)
            {
                chain.Add((header.Groups["type"].Value, header.Groups["msg"].Value.Trim()));
            }
        }

        var frames = new List<StackFrame>();
        foreach (var line in lines)
        {
            if (line.Contains("--- End of inner exception stack trace ---", StringComparison.Ordinal))
            {
                break;
            }

            var frame = DotnetFrame().Match(line);
            if (frame.Success)
            {
                frames.Add(new StackFrame(
                    frame.Groups["fn"].Value.Trim(), frame.Groups["file"].Success ? frame.Groups["file"].Value : null,
                    frame.Groups["line"].Success ? int.Parse(frame.Groups["line"].Value, CultureInfo.InvariantCulture) : null));
            }
        }

        if (chain.Count == 0)
        {
            return frames.Count == 0 ? null : new ParsedException("dotnet", "unknown", string.Empty, frames);
        }

        var root = chain[^1];
        return new ParsedException("dotnet", root.Type, root.Message, frames) { Chain = chain.Select(c => c.Type).ToList() };
    }

    private static ParsedException? Java(string[] lines)
    {
        var sections = new List<(string Type, string Message, List<StackFrame> Frames)>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            var cause = line.StartsWith("Caused by: ", StringComparison.Ordinal) ? line["Caused by: ".Length..] : null;
            var header = Header().Match(cause ?? line);
            if (header.Success && (cause is not null || sections.Count == 0))
            {
                sections.Add((header.Groups["type"].Value, header.Groups["msg"].Value.Trim(), []));
                continue;
            }

            var frame = JavaFrame().Match(line);
            if (frame.Success)
            {
                if (sections.Count == 0)
                {
                    sections.Add(("unknown", string.Empty, []));
                }

                sections[^1].Frames.Add(new StackFrame(
                    frame.Groups["fn"].Value, frame.Groups["file"].Success ? frame.Groups["file"].Value : null,
                    frame.Groups["line"].Success ? int.Parse(frame.Groups["line"].Value, CultureInfo.InvariantCulture) : null));
            }
        }

        if (sections.Count == 0)
        {
            return null;
        }

        // A cause's trace is cut to "... n more" where it shares the outer one's frames: the root's own frames come first either way.
        var root = sections[^1];
        return new ParsedException("java", root.Type, root.Message, root.Frames) { Chain = sections.Select(s => s.Type).ToList() };
    }

    private static ParsedException? Python(string[] lines)
    {
        var chain = new List<(string Type, string Message, List<StackFrame> Frames)>();
        List<StackFrame>? frames = null;
        foreach (var raw in lines)
        {
            if (raw.StartsWith("Traceback (most recent call last):", StringComparison.Ordinal) || raw.Contains("Traceback (most recent call last):", StringComparison.Ordinal))
            {
                frames = [];
                continue;
            }

            if (frames is null)
            {
                continue;
            }

            var frame = PythonFrame().Match(raw);
            if (frame.Success)
            {
                frames.Insert(0, new StackFrame(frame.Groups["fn"].Value, frame.Groups["file"].Value, int.Parse(frame.Groups["line"].Value, CultureInfo.InvariantCulture)));
                continue;
            }

            if (raw.Length > 0 && !char.IsWhiteSpace(raw[0]))
            {
                var exception = PythonException().Match(raw);
                if (exception.Success)
                {
                    chain.Add((exception.Groups["type"].Value, exception.Groups["msg"].Value.Trim(), frames));
                    frames = null;
                }
            }
        }

        if (chain.Count == 0)
        {
            return null;
        }

        var root = chain[^1];
        return new ParsedException("python", root.Type, root.Message, root.Frames) { Chain = chain.Select(c => c.Type).ToList() };
    }

    private static ParsedException Go(string[] lines)
    {
        var panic = lines.Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("panic: ", StringComparison.Ordinal));
        var message = panic is null ? string.Empty : panic["panic: ".Length..].Trim();
        // "panic: runtime error: index out of range [3] with length 3" names its kind; "panic: boom" is a plain panic.
        var type = "panic";
        if (message.StartsWith("runtime error: ", StringComparison.Ordinal))
        {
            type = "runtime error";
            message = message["runtime error: ".Length..];
        }

        // A recovered-and-repanicked "[recovered]" suffix is noise in the message.
        message = message.Replace(" [recovered]", string.Empty, StringComparison.Ordinal);
        var frames = new List<StackFrame>();
        var inFirstGoroutine = false;
        string? function = null;
        foreach (var raw in lines)
        {
            if (raw.StartsWith("goroutine ", StringComparison.Ordinal))
            {
                if (inFirstGoroutine)
                {
                    break;
                }

                inFirstGoroutine = true;
                continue;
            }

            if (!inFirstGoroutine)
            {
                continue;
            }

            var file = GoFrameFile().Match(raw);
            if (file.Success && function is not null)
            {
                frames.Add(new StackFrame(function, file.Groups["file"].Value, int.Parse(file.Groups["line"].Value, CultureInfo.InvariantCulture)));
                function = null;
            }
            else if (raw.Length > 0 && !char.IsWhiteSpace(raw[0]) && !raw.StartsWith("created by", StringComparison.Ordinal))
            {
                var open = raw.LastIndexOf('(');
                function = open > 0 ? raw[..open] : raw.Trim();
            }
        }

        // The panic's own frames (runtime.gopanic, runtime.panicmem) come first; the service's code is below them.
        return new ParsedException("go", type, message, frames) { Chain = [type] };
    }

    private static string FirstLine(string text)
    {
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? text : text[..newline]).Trim();
    }

    [GeneratedRegex(@"^(?:Unhandled exception\.\s*)?(?<type>(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*(?:Exception|Error|Throwable|Fault)|[A-Z]\w*(?:Exception|Error))(?::\s?(?<msg>.*))?$")]
    private static partial Regex Header();

    [GeneratedRegex(@"^\s*at (?<fn>[^()\n]+(?:\([^)\n]*\))?)(?: in (?<file>.+?):line (?<line>\d+))?\s*$", RegexOptions.Multiline)]
    private static partial Regex DotnetFrame();

    [GeneratedRegex(@"^\s*at (?<fn>[\w$.<>/]+)\((?:(?<file>[^:()]+\.(?:java|kt|scala|groovy|clj)):(?<line>\d+)|Native Method|Unknown Source|[^)]*\.(?:java|kt|scala))\)", RegexOptions.Multiline)]
    private static partial Regex JavaFrame();

    [GeneratedRegex(@"^\s+File ""(?<file>[^""]+)"", line (?<line>\d+), in (?<fn>.+)$")]
    private static partial Regex PythonFrame();

    [GeneratedRegex(@"^(?<type>[A-Za-z_][\w.]*)(?::\s?(?<msg>.*))?$")]
    private static partial Regex PythonException();

    [GeneratedRegex(@"^\s+(?<file>\S+\.go):(?<line>\d+)(?: \+0x[0-9a-f]+)?\s*$", RegexOptions.Multiline)]
    private static partial Regex GoFrameFile();
}
