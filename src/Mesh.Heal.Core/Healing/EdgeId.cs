using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Heal.Healing;

/// <summary>One edge of the mesh: a calling service and the cluster it calls, written <c>caller/cluster</c>.</summary>
/// <param name="Caller">The service that calls.</param>
/// <param name="Cluster">The cluster it calls, as named in its policy.</param>
[JsonConverter(typeof(EdgeIdJsonConverter))]
public readonly record struct EdgeId(string Caller, string Cluster)
{
    /// <summary>Whether both parts are there and neither holds a <c>/</c>.</summary>
    public bool IsValid => Caller is { Length: > 0 } && Cluster is { Length: > 0 } && !Caller.Contains('/') && !Cluster.Contains('/');

    /// <summary>Reads <c>caller/cluster</c>.</summary>
    /// <exception cref="FormatException"><paramref name="text"/> is not two non-empty names around one <c>/</c>.</exception>
    public static EdgeId Parse(string text) =>
        TryParse(text, out var edge) ? edge : throw new FormatException($"'{text}' is not an edge; accepted: caller/cluster (two non-empty names around one '/')");

    /// <summary>Reads <c>caller/cluster</c>; false when <paramref name="text"/> is not two non-empty names around one <c>/</c>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out EdgeId edge)
    {
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        edge = slash > 0 ? new EdgeId(text![..slash], text[(slash + 1)..]) : default;
        return slash > 0 && edge.IsValid;
    }

    /// <summary><c>caller/cluster</c>.</summary>
    public override string ToString() => $"{Caller}/{Cluster}";
}

/// <summary>Writes an <see cref="EdgeId"/> as its <c>caller/cluster</c> string, as stored before the type existed.</summary>
internal sealed class EdgeIdJsonConverter : JsonConverter<EdgeId>
{
    public override EdgeId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        EdgeId.TryParse(reader.GetString(), out var edge) ? edge : throw new JsonException($"'{reader.GetString()}' is not an edge; accepted: caller/cluster");

    public override void Write(Utf8JsonWriter writer, EdgeId value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
