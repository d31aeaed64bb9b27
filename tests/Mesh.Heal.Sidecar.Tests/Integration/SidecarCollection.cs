namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>
/// Integration tests run one at a time: OpenTelemetry's exporter listens to meters by name, process-wide, so two
/// sidecars in one test process would see each other's counters on <c>/metrics</c>.
/// </summary>
[CollectionDefinition(nameof(SidecarCollection), DisableParallelization = true)]
public sealed class SidecarCollection;
