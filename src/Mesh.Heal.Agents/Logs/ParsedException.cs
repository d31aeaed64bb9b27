namespace Mesh.Heal.Agents.Logs;

/// <summary>An exception as a stack trace tells it.</summary>
/// <param name="Language">Which runtime wrote it: <c>dotnet</c>, <c>java</c>, <c>python</c>, <c>go</c>.</param>
/// <param name="Type">The exception type (<c>System.NullReferenceException</c>, <c>KeyError</c>); for a Go panic, <c>panic</c>
/// or <c>runtime error</c>. The root cause's type when the trace chains causes.</param>
/// <param name="Message">Its message.</param>
/// <param name="Frames">The frames of the root cause, innermost (where it was thrown) first.</param>
public sealed record ParsedException(string Language, string Type, string Message, IReadOnlyList<StackFrame> Frames)
{
    /// <summary>Every type in the chain, outermost first: a wrapper and the causes it carries.</summary>
    public IReadOnlyList<string> Chain { get; init; } = [];
}

/// <summary>One frame of a stack trace.</summary>
/// <param name="Function">The method or function, as the trace names it.</param>
/// <param name="File">The source file, when the trace gives one.</param>
/// <param name="Line">The line in it, when the trace gives one.</param>
public sealed record StackFrame(string Function, string? File, int? Line)
{
    /// <summary>Whether it is the runtime's or a framework's own code (System.*, java.*, the Go runtime, site-packages), not the service's.</summary>
    public bool IsFramework =>
        Function.StartsWith("System.", StringComparison.Ordinal) || Function.StartsWith("Microsoft.", StringComparison.Ordinal)
        || Function.StartsWith("java.", StringComparison.Ordinal) || Function.StartsWith("javax.", StringComparison.Ordinal)
        || Function.StartsWith("jdk.", StringComparison.Ordinal) || Function.StartsWith("sun.", StringComparison.Ordinal)
        || Function.StartsWith("org.springframework.", StringComparison.Ordinal) || Function.StartsWith("runtime.", StringComparison.Ordinal)
        || Function.StartsWith("net/http.", StringComparison.Ordinal) || Function.StartsWith("lambda$", StringComparison.Ordinal)
        || (File is { } f && (f.Contains("site-packages", StringComparison.Ordinal) || f.Contains("/lib/python", StringComparison.Ordinal)
            || f.Contains("/usr/local/go/", StringComparison.Ordinal) || f.StartsWith("<", StringComparison.Ordinal)));
}
