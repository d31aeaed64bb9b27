namespace Mesh.Heal.ControlPlane.Healing;

internal sealed partial class HealingCoordinator
{
    [LoggerMessage(EventId = 260, Level = LogLevel.Error, Message = "A coordinator run failed; the next one runs on schedule")]
    internal static partial void LogRunFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 261, Level = LogLevel.Warning, Message = "Agent {Agent} failed for {Service}: {Problem}")]
    internal static partial void LogAgentFailed(ILogger logger, string agent, string service, string problem);

    [LoggerMessage(EventId = 262, Level = LogLevel.Information, Message = "Healing {Id} applied: {Kind} on {Target}")]
    internal static partial void LogApplied(ILogger logger, string id, string kind, string target);

    [LoggerMessage(EventId = 263, Level = LogLevel.Information, Message = "Healing {Id} rolled back ({Kind}): {Reason}")]
    internal static partial void LogRolledBack(ILogger logger, string id, string kind, string reason);

    [LoggerMessage(EventId = 264, Level = LogLevel.Warning, Message = "Healing {Id} ({Kind}) failed while {Step}; the run goes on")]
    internal static partial void LogActionFailed(ILogger logger, string id, string kind, string step, Exception exception);

    [LoggerMessage(EventId = 265, Level = LogLevel.Warning, Message = "A coordinator run of replica {Replica} (epoch {Epoch}) was stopped by the fence: {Reason}")]
    internal static partial void LogFenced(ILogger logger, string replica, long epoch, string reason);
}
