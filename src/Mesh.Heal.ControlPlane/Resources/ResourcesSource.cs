using Mesh.Heal.Agents;
using Mesh.Heal.Agents.Resources;
using Mesh.Heal.ControlPlane.Healing;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Resources;

/// <summary>Builds the <see cref="ResourcesSlice"/>: the resource series of the snapshot's services (sidecar samples from the
/// store, Prometheus's from the collector) and the cleanup method of each service that has one; knows the services with
/// resources configured.</summary>
internal sealed class ResourcesSource(ResourceCollector resources, IOptions<ResourceOptions> options) : ISnapshotSource
{
    public SnapshotSliceKey Slice => ResourcesSlice.Key;

    public void AddServices(DateTimeOffset now, ISet<string> services) => services.UnionWith(options.Value.Services.Keys);

    public ValueTask<MeshSnapshot> AddToAsync(MeshSnapshot snapshot, CancellationToken cancellationToken)
    {
        var slice = new ResourcesSlice
        {
            Series = resources.Series(snapshot.Services, snapshot.Time),
            Cleanups = options.Value.Services
                .Where(s => s.Value.Cleanup is not null)
                .ToDictionary(s => s.Key, s => s.Value.Cleanup!.Method, StringComparer.Ordinal),
        };
        return ValueTask.FromResult(snapshot.With(ResourcesSlice.Key, slice));
    }
}
