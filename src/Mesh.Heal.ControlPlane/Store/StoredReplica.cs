namespace Mesh.Heal.ControlPlane.Store;

/// <summary>A control-plane replica as the store sees it.</summary>
/// <param name="Id">Its <c>ControlPlane:Store:ReplicaId</c>.</param>
/// <param name="StartedAt">Its first heartbeat.</param>
/// <param name="HeartbeatAt">Its newest heartbeat.</param>
/// <param name="LastRunAt">When it last completed a coordinator run as leader, or null when it never did.</param>
/// <param name="GrpcUrl">Its gRPC listener.</param>
/// <param name="HttpUrl">Its HTTP/JSON listener.</param>
/// <param name="Streams">The sidecars whose policy stream it holds.</param>
/// <param name="Epoch">The coordinator lease's epoch when it is the holder, else 0.</param>
/// <param name="Leader">Whether it holds the unexpired coordinator lease.</param>
/// <param name="Alive">Whether its heartbeat is recent.</param>
internal sealed record StoredReplica(
    string Id, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, DateTimeOffset? LastRunAt, string GrpcUrl, string HttpUrl, long Streams, long Epoch,
    bool Leader, bool Alive);
