namespace Mesh.Heal.Agents.Logs;

/// <summary>How a <see cref="LogAnalyzer"/> mines, clusters and ranks a service's logs.</summary>
public sealed class LogAnalyzerOptions
{
    /// <summary>The template miner's settings.</summary>
    public TemplateMinerOptions Miner { get; set; } = new();

    /// <summary>The width of the buckets errors are counted in. Default 10 s.</summary>
    public TimeSpan Bucket { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The recent window an error's burst is measured over. Default 1 min.</summary>
    public TimeSpan BurstWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The window before it that is the error's baseline. Default 30 min.</summary>
    public TimeSpan BaselineWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The most error clusters kept; past it the least recently seen is dropped. Default 500.</summary>
    public int MaximumClusters { get; set; } = 500;

    /// <summary>The most distinct messages kept per cluster as samples. Default 3.</summary>
    public int SampleMessages { get; set; } = 3;
}
