namespace Mesh.Heal.ControlPlane.Resources;

internal sealed partial class ResourceCollector
{
    [LoggerMessage(EventId = 270, Level = LogLevel.Warning, Message = "Resources of {Service}: the {Resource} query failed: {Problem}")]
    private static partial void LogQueryFailed(ILogger logger, string service, string resource, string problem);
}
