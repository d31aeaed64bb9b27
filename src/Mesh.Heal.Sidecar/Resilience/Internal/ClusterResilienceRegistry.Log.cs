using Mesh.Heal.Health;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

internal sealed partial class ClusterResilienceRegistry
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Cluster {Cluster} health {From} -> {To}")]
    private static partial void LogTransition(ILogger logger, string cluster, HealthState from, HealthState to);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Cluster {Cluster} circuit breaker settings changed: breaker and health state start afresh")]
    private static partial void LogBreakerReset(ILogger logger, string cluster);
}
