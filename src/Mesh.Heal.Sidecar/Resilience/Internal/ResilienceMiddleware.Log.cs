namespace Mesh.Heal.Sidecar.Resilience.Internal;

internal sealed partial class ResilienceMiddleware
{
    [LoggerMessage(EventId = 110, Level = LogLevel.Error, Message = "Cluster {Cluster} falls back to cluster {Fallback}, which does not exist")]
    private static partial void LogFallbackClusterMissing(ILogger logger, string cluster, string fallback);
}
