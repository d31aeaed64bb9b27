namespace Mesh.Heal.Sidecar.PolicySync.Internal;

internal sealed partial class PolicySnapshotApplier
{
    [LoggerMessage(EventId = 140, Level = LogLevel.Information, Message = "Control-plane policy version {Version} applied")]
    private static partial void LogApplied(ILogger logger, long version);

    [LoggerMessage(EventId = 141, Level = LogLevel.Error, Message = "Control-plane policy version {Version} refused: {Reason}; version {InForce} stays in force")]
    private static partial void LogRefused(ILogger logger, long version, string reason, long inForce);

    [LoggerMessage(EventId = 142, Level = LogLevel.Warning, Message = "Last accepted policy version {Version} loaded from {Path}: running on it until the control plane answers")]
    private static partial void LogLastKnownGood(ILogger logger, long version, string path);

    [LoggerMessage(EventId = 143, Level = LogLevel.Warning, Message = "Last accepted policy in {Path} not used: {Reason}")]
    private static partial void LogLastKnownGoodUnusable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 144, Level = LogLevel.Warning, Message = "Could not keep the accepted policy in {Path}: {Reason}")]
    private static partial void LogPersistFailed(ILogger logger, string path, string reason);
}
