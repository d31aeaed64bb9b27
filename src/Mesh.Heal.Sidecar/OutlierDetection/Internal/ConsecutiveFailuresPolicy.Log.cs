namespace Mesh.Heal.Sidecar.OutlierDetection.Internal;

internal sealed partial class ConsecutiveFailuresPolicy
{
    [LoggerMessage(EventId = 120, Level = LogLevel.Warning,
        Message = "Destination {Destination} of cluster {Cluster} ejected after {Failures} consecutive failures for {Duration}")]
    private static partial void LogEjected(ILogger logger, string destination, string cluster, int failures, TimeSpan duration);
}
