using System.Text.Json.Nodes;

namespace Mesh.Heal.ControlPlane.Injection.Internal;

/// <summary>The RFC 6902 JSON Patch that turns one document into another: adds, removes and replaces, path by path.</summary>
/// <remarks>Objects are compared key by key and lists index by index (items past the shorter one added at the end or
/// removed from the end), so an injection, which only adds, becomes a patch of adds.</remarks>
internal static class JsonPatchBuilder
{
    public static JsonArray Diff(JsonNode? before, JsonNode? after)
    {
        var operations = new JsonArray();
        Diff(before, after, string.Empty, operations);
        return operations;
    }

    /// <summary>A JSON Pointer token (RFC 6901): <c>~</c> as <c>~0</c> and <c>/</c> as <c>~1</c>, so that
    /// <c>meshheal.io/injected</c> is one token.</summary>
    public static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static void Diff(JsonNode? before, JsonNode? after, string path, JsonArray operations)
    {
        switch (before, after)
        {
            case (JsonObject from, JsonObject to):
                foreach (var (key, _) in from)
                {
                    if (!to.ContainsKey(key))
                    {
                        operations.Add(Operation("remove", path + "/" + Escape(key), null, withValue: false));
                    }
                }

                foreach (var (key, value) in to)
                {
                    if (from.TryGetPropertyValue(key, out var old))
                    {
                        Diff(old, value, path + "/" + Escape(key), operations);
                    }
                    else
                    {
                        operations.Add(Operation("add", path + "/" + Escape(key), value, withValue: true));
                    }
                }

                break;
            case (JsonArray from, JsonArray to):
                var common = Math.Min(from.Count, to.Count);
                for (var i = 0; i < common; i++)
                {
                    Diff(from[i], to[i], path + "/" + i, operations);
                }

                for (var i = common; i < to.Count; i++)
                {
                    operations.Add(Operation("add", path + "/" + i, to[i], withValue: true));
                }

                for (var i = from.Count - 1; i >= common; i--)
                {
                    operations.Add(Operation("remove", path + "/" + i, null, withValue: false));
                }

                break;
            default:
                if (!JsonNode.DeepEquals(before, after))
                {
                    operations.Add(Operation("replace", path, after, withValue: true));
                }

                break;
        }
    }

    private static JsonObject Operation(string op, string path, JsonNode? value, bool withValue)
    {
        var operation = new JsonObject { ["op"] = op, ["path"] = path };
        if (withValue)
        {
            operation["value"] = value?.DeepClone();
        }

        return operation;
    }
}
