using System.Text.Json.Nodes;
using Mesh.Heal.ControlPlane.Injection.Internal;

namespace Mesh.Heal.ControlPlane.Tests.Injection;

public class JsonPatchBuilderTests
{
    [Theory]
    [InlineData("""{"a":1,"b":{"c":[1,2,3]},"d":"x"}""", """{"a":2,"b":{"c":[1,5]},"e":{"f/g~h":true}}""")]
    [InlineData("""{"metadata":{}}""", """{"metadata":{"annotations":{"meshheal.io/injected":"0.1.0"}}}""")]
    [InlineData("""{"l":[]}""", """{"l":[{"x":1},{"y":[2]}]}""")]
    [InlineData("""{"v":null}""", """{"v":{"w":1}}""")]
    public void Diff_AppliedToBefore_GivesAfter(string before, string after)
    {
        var from = JsonNode.Parse(before)!;
        var to = JsonNode.Parse(after)!;

        var patch = JsonPatchBuilder.Diff(from, to);

        Assert.True(JsonNode.DeepEquals(to, JsonPatch.Apply(from, patch)), patch.ToJsonString());
    }

    [Fact]
    public void Diff_KeyWithSlashAndTilde_IsEscaped()
    {
        var patch = JsonPatchBuilder.Diff(JsonNode.Parse("{}"), JsonNode.Parse("""{"meshheal.io/inject~x":"1"}"""));

        Assert.Equal("/meshheal.io~1inject~0x", (string?)patch.Single()!["path"]);
        Assert.Equal("add", (string?)patch.Single()!["op"]);
    }

    [Fact]
    public void Diff_Equal_IsEmpty()
    {
        Assert.Empty(JsonPatchBuilder.Diff(JsonNode.Parse("""{"a":[1,{"b":2}]}"""), JsonNode.Parse("""{"a":[1,{"b":2}]}""")));
    }
}
