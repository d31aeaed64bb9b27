using System.Globalization;
using System.Text.Json;

namespace Mesh.Heal.Chaos;

/// <summary>One control-plane replica as <c>GET /v1/replicas</c> shows it.</summary>
/// <param name="Id">Its <c>ControlPlane:Store:ReplicaId</c>.</param>
/// <param name="Leader">Whether it holds the unexpired <c>coordinator</c> lease.</param>
/// <param name="Epoch">The lease's epoch while it holds it.</param>
/// <param name="HeartbeatAt">Its newest heartbeat.</param>
/// <param name="LastRunAt">When it last completed a coordinator run as leader, or null when it never did.</param>
/// <param name="Streams">Sidecars connected through it, per the store.</param>
/// <param name="Alive">Whether its heartbeat is recent.</param>
internal sealed record ReplicaInfo(string Id, bool Leader, long Epoch, DateTimeOffset HeartbeatAt, DateTimeOffset? LastRunAt, int Streams, bool Alive)
{
    /// <summary>Reads the body of <c>GET /v1/replicas</c>; protobuf JSON leaves out false, zero and absent fields.</summary>
    public static IReadOnlyList<ReplicaInfo> Parse(string json)
    {
        var root = JsonDocument.Parse(json).RootElement;
        if (!root.TryGetProperty("replicas", out var replicas))
        {
            return [];
        }

        return
        [
            .. replicas.EnumerateArray().Select(r => new ReplicaInfo(
                r.GetProperty("id").GetString()!,
                r.TryGetProperty("leader", out var leader) && leader.GetBoolean(),
                r.TryGetProperty("epoch", out var epoch) ? long.Parse(epoch.ToString(), CultureInfo.InvariantCulture) : 0,
                r.TryGetProperty("heartbeatAt", out var heartbeat) ? heartbeat.GetDateTimeOffset() : DateTimeOffset.MinValue,
                r.TryGetProperty("lastRunAt", out var run) ? run.GetDateTimeOffset() : null,
                r.TryGetProperty("streams", out var streams) ? streams.GetInt32() : 0,
                r.TryGetProperty("alive", out var alive) && alive.GetBoolean())),
        ];
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Id}{(Leader ? $" leader epoch {Epoch}" : string.Empty)} streams {Streams}{(Alive ? string.Empty : " dead")}{(LastRunAt is { } at ? $" last run {at:HH:mm:ss.fff}" : string.Empty)}");
}
