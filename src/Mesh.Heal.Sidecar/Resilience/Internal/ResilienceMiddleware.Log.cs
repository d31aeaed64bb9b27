namespace Mesh.Heal.Sidecar.Resilience.Internal;

internal sealed partial class ResilienceMiddleware
{
    [LoggerMessage(EventId = 110, Level = LogLevel.Error, Message = "Cluster {Cluster} falls back to cluster {Fallback}, which does not exist")]
    private static partial void LogFallbackClusterMissing(ILogger logger, string cluster, string fallback);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Cluster {Cluster}'s fallback response cannot be served as configured; not sent: {Dropped}")]
    private static partial void LogFallbackResponseUnsafe(ILogger logger, string cluster, string dropped);
}
