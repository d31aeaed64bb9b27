using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Mesh.Heal.ControlPlane.Injection.Internal;

/// <summary>Serialization of the webhook's JSON nodes with no reflection.</summary>
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
internal sealed partial class JsonNodeContext : JsonSerializerContext;
