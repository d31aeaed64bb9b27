using System.Text.Json.Nodes;

namespace Mesh.Heal.ControlPlane.Tests.Injection;

/// <summary>An RFC 6902 applier for add, remove and replace, written from the RFC, to check patches independently of the
/// code that builds them.</summary>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonArray patch)
    {
        var root = document.DeepClone();
        foreach (var operation in patch)
        {
            var op = (string)operation!["op"]!;
            var tokens = ((string)operation["path"]!).Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(tokens);
            var parent = tokens.SkipLast(1).Aggregate(root, (node, token) => node is JsonArray array ? array[int.Parse(token, System.Globalization.CultureInfo.InvariantCulture)]! : node[token]!);
            var last = tokens[^1];
            var value = operation["value"]?.DeepClone();
            switch (op, parent)
            {
                case ("add", JsonObject map):
                    Assert.False(map.ContainsKey(last), $"add {operation["path"]}: the member exists (RFC 6902 would replace it; the builder should say replace)");
                    map[last] = value;
                    break;
                case ("add", JsonArray list):
                    var index = last == "-" ? list.Count : int.Parse(last, System.Globalization.CultureInfo.InvariantCulture);
                    Assert.InRange(index, 0, list.Count);
                    list.Insert(index, value);
                    break;
                case ("remove", JsonObject map):
                    Assert.True(map.Remove(last), $"remove {operation["path"]}: no such member");
                    break;
                case ("remove", JsonArray list):
                    list.RemoveAt(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case ("replace", JsonObject map):
                    Assert.True(map.ContainsKey(last), $"replace {operation["path"]}: no such member");
                    map[last] = value;
                    break;
                case ("replace", JsonArray list):
                    list[int.Parse(last, System.Globalization.CultureInfo.InvariantCulture)] = value;
                    break;
                default:
                    throw new Xunit.Sdk.XunitException($"unsupported operation {operation.ToJsonString()}");
            }
        }

        return root;
    }
}
