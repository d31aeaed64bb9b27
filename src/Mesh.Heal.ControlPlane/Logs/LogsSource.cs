using Mesh.Heal.Agents;
using Mesh.Heal.Agents.Logs;
using Mesh.Heal.ControlPlane.Healing;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Logs;

/// <summary>Builds the <see cref="LogsSlice"/>: the digest of every service whose logs are collected; knows those services
/// and the ones with logs configured.</summary>
internal sealed class LogsSource(LogCollector logs, IOptions<LogOptions> options) : ISnapshotSource
{
    public SnapshotSliceKey Slice => LogsSlice.Key;

    public void AddServices(DateTimeOffset now, ISet<string> services)
    {
        services.UnionWith(logs.Services);
        services.UnionWith(options.Value.Services.Keys);
    }

    public ValueTask<MeshSnapshot> AddToAsync(MeshSnapshot snapshot, CancellationToken cancellationToken) =>
        ValueTask.FromResult(snapshot.With(LogsSlice.Key, new LogsSlice { Digests = logs.Digests() }));
}
