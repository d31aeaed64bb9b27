namespace Mesh.Heal.Agents.Logs;

/// <summary>What the logs of every service whose logs are collected say.</summary>
public sealed record LogsSlice
{
    /// <summary>The slice's key.</summary>
    public static readonly SnapshotSliceKey<LogsSlice> Key = new("logs");

    /// <summary>One digest per service.</summary>
    public IReadOnlyList<LogDigest> Digests { get; init; } = [];

    /// <summary>The digest of <paramref name="service"/>, or null when its logs are not collected.</summary>
    public LogDigest? Of(string service) => Digests.FirstOrDefault(l => l.Service == service);
}
