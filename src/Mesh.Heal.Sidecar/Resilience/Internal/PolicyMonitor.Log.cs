namespace Mesh.Heal.Sidecar.Resilience.Internal;

internal sealed partial class PolicyMonitor
{
    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Resilience policy version {Version} applied")]
    private static partial void LogApplied(ILogger logger, long version);

    [LoggerMessage(EventId = 131, Level = LogLevel.Error, Message = "{Reason}; policy version {Version} stays in force")]
    private static partial void LogRejected(ILogger logger, string reason, long version);

    [LoggerMessage(EventId = 132, Level = LogLevel.Warning, Message = "Local Resilience change not applied: the {Source} policy version {Version} is in force")]
    private static partial void LogLocalIgnored(ILogger logger, Mesh.Heal.Policy.PolicySource source, long version);
}
