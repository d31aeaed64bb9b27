using Mesh.Heal.Agents;
using Mesh.Heal.Agents.Anomalies;
using Mesh.Heal.ControlPlane.Healing;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Telemetry;

/// <summary>Builds the <see cref="AnomaliesSlice"/>: what the streaming detectors scored anomalous within the live window.</summary>
internal sealed class AnomaliesSource(AnomalyMonitor anomalies, IOptions<HealingOptions> options) : ISnapshotSource
{
    public SnapshotSliceKey Slice => AnomaliesSlice.Key;

    public ValueTask<MeshSnapshot> AddToAsync(MeshSnapshot snapshot, CancellationToken cancellationToken) =>
        ValueTask.FromResult(snapshot.With(AnomaliesSlice.Key, new AnomaliesSlice { Readings = anomalies.Readings(snapshot.Time - options.Value.LiveWindow) }));
}
