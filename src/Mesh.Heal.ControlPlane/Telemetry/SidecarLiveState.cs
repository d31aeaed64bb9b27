using Mesh.Heal.Health;

namespace Mesh.Heal.ControlPlane.Telemetry;

/// <summary>What the newest report of one sidecar said: the state of each of its clusters.</summary>
internal sealed record SidecarLiveState(
    string Service,
    string Instance,
    DateTimeOffset ReportedAt,
    long PolicyVersion,
    IReadOnlyDictionary<string, (HealthState? Health, BreakerState? Breaker)> Clusters);
