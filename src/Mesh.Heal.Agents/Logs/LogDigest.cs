namespace Mesh.Heal.Agents.Logs;

/// <summary>What a service's logs say at one moment: how much was read, the biggest templates, and its error clusters
/// ranked by burst.</summary>
/// <param name="Service">The service.</param>
/// <param name="Lines">Lines read.</param>
/// <param name="Records">Records, once continuation lines are joined.</param>
/// <param name="Errors">Records at error level or above, or carrying an exception.</param>
/// <param name="Malformed">Lines dropped as malformed (broken JSON, oversized).</param>
public sealed record LogDigest(string Service, long Lines, long Records, long Errors, long Malformed)
{
    /// <summary>How many templates the miner holds.</summary>
    public int TemplateCount { get; init; }

    /// <summary>The biggest templates, most lines first.</summary>
    public IReadOnlyList<TemplateStats> Templates { get; init; } = [];

    /// <summary>The error clusters, highest burst first.</summary>
    public IReadOnlyList<ErrorCluster> Clusters { get; init; } = [];
}

/// <summary>A template and how many lines joined it.</summary>
public sealed record TemplateStats(int Id, string Template, long Count, long Errors);

/// <summary>Errors that are the same failure: one exception type thrown from one place, or one error template without an exception.</summary>
/// <param name="Id">A stable id: the same failure has the same id across restarts and replicas.</param>
/// <param name="Language">The runtime of its stack trace (<c>dotnet</c>, <c>java</c>, <c>python</c>, <c>go</c>), or <c>log</c> without one.</param>
/// <param name="Type">The root exception type, or empty without one.</param>
/// <param name="Message">A sample message.</param>
/// <param name="Template">The template of its log messages.</param>
public sealed record ErrorCluster(string Id, string Language, string Type, string Message, string Template)
{
    /// <summary>The root exception's message, or empty without one.</summary>
    public string ExceptionMessage { get; init; } = string.Empty;

    /// <summary>The frames of its first sample, innermost first.</summary>
    public IReadOnlyList<StackFrame> Frames { get; init; } = [];

    /// <summary>The exception chain of its first sample, outermost first.</summary>
    public IReadOnlyList<string> Chain { get; init; } = [];

    /// <summary>Other messages seen, up to <see cref="LogAnalyzerOptions.SampleMessages"/>.</summary>
    public IReadOnlyList<string> Samples { get; init; } = [];

    /// <summary>Records in it, ever.</summary>
    public long Count { get; init; }

    /// <summary>Records in the burst window.</summary>
    public long Recent { get; init; }

    /// <summary>Records the baseline expects in a burst window.</summary>
    public double Expected { get; init; }

    /// <summary>(recent + 1) / (expected + 1): how far above its baseline it is.</summary>
    public double Burst { get; init; }

    /// <summary>When it was first seen.</summary>
    public DateTimeOffset FirstSeen { get; init; }

    /// <summary>When it was last seen.</summary>
    public DateTimeOffset LastSeen { get; init; }

    /// <summary>The instances that logged it.</summary>
    public IReadOnlyList<string> Instances { get; init; } = [];

    /// <summary>Its exception as parsed, or null for an error logged without one.</summary>
    public ParsedException? Exception => Language == "log" ? null : new ParsedException(Language, Type, ExceptionMessage, Frames) { Chain = Chain };

    /// <summary>The first frame that is the service's own code, or null when every frame is the runtime's or none is known.</summary>
    public StackFrame? TopFrame => Frames.FirstOrDefault(f => !f.IsFramework && f.File is not null) ?? Frames.FirstOrDefault(f => !f.IsFramework);
}
