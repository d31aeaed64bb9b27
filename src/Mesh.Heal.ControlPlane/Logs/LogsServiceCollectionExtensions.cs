using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Logs.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Heal.ControlPlane.Logs;

/// <summary>Registers log intake.</summary>
internal static class LogsServiceCollectionExtensions
{
    /// <summary>Adds <see cref="LogOptions"/>, the log collector, the file tailer and the pod log reader.</summary>
    public static IServiceCollection AddMeshHealLogs(this IServiceCollection services)
    {
        services.AddMeshHealOptions<LogOptions, LogOptionsValidator>();
        services.TryAddSingleton<LogCollector>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSource, LogsSource>());
        services.AddHostedService<LogFileTailer>();
        services.AddHostedService<PodLogReader>();
        return services;
    }
}
