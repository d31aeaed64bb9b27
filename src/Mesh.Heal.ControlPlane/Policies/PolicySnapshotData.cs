using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Policies;

/// <summary>The newest policy of a service, ready to send: each send adds its own nonce.</summary>
internal sealed record PolicySnapshotData(string Service, long Version, Wire.ServicePolicy Policy);
