using System.Text.Json.Nodes;
using Mesh.Heal.Cli.Inject;

namespace Mesh.Heal.Cli.Tests.Inject;

public class InjectCommandTests
{
    private static readonly string Root = FindRoot();

    private static string PlainExample => File.ReadAllText(Path.Combine(Root, "deploy", "kubernetes", "example-orders-plain.yaml"));

    [Fact]
    public async Task Inject_PlainExample_WritesTheExpectedManifest()
    {
        var (code, output, error) = await RunAsync(["inject", "-f", Path.Combine(Root, "deploy", "kubernetes", "example-orders-plain.yaml")], string.Empty);

        Assert.Equal(0, code);
        // The expected file is the reviewed output: a change to what is injected shows up here as a diff to review.
        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Inject", "example-orders-plain.injected.yaml")), output);
        Assert.Equal("deployment/orders injected\n", error.Replace("\r", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Inject_PlainExample_HasWhatTheContractSays_AndOtherDocumentsAreUnchanged()
    {
        var (_, output, _) = await RunAsync(["inject", "-f", "-"], PlainExample);

        var before = YamlJson.Read(PlainExample);
        var after = YamlJson.Read(output);
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++)
        {
            if ((string?)before[i]["kind"] != "Deployment")
            {
                Assert.True(JsonNode.DeepEquals(before[i], after[i]), $"document {i + 1} ({before[i]["kind"]}) is unchanged");
            }
        }

        var template = after.Single(d => (string?)d["kind"] == "Deployment")["spec"]!["template"]!;
        Assert.Equal("0.1.0", (string?)template["metadata"]!["annotations"]!["meshheal.io/injected"]);
        var init = template["spec"]!["initContainers"]!.AsArray().Single()!;
        Assert.Equal("meshheal-init", (string?)init["name"]);
        Assert.Equal("8080", (string?)init["args"]![9]);
        var sidecar = template["spec"]!["containers"]!.AsArray().Single(c => (string?)c!["name"] == "meshheal-sidecar")!;
        Assert.Equal("http://127.0.0.1:8080", (string?)sidecar["env"]!.AsArray().Single(e => (string?)e!["name"] == "Sidecar__InboundTarget")!["value"]);
        // The token Secret the sidecar reads is the one the manifest ships.
        var secret = (string?)sidecar["env"]!.AsArray().Single(e => (string?)e!["name"] == "Sidecar__ControlPlaneToken")!["valueFrom"]!["secretKeyRef"]!["name"];
        Assert.Contains(after, d => (string?)d["kind"] == "Secret" && (string?)d["metadata"]!["name"] == secret);
    }

    [Fact]
    public async Task Inject_ItsOwnOutput_GivesTheSameBytes()
    {
        var (_, once, _) = await RunAsync(["inject", "-f", "-"], PlainExample);
        var (code, twice, error) = await RunAsync(["inject", "-f", "-"], once);

        Assert.Equal(0, code);
        Assert.Equal(once, twice);
        Assert.Contains("deployment/orders skipped (already injected)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inject_ListItemsAndEveryWorkloadKind_AreInjected_DisabledAndOtherKindsAreNot()
    {
        const string Manifest = """
            kind: List
            apiVersion: v1
            items:
              - kind: StatefulSet
                metadata: { name: db }
                spec: { template: { metadata: { labels: { app: db } }, spec: { containers: [ { name: db, ports: [ { containerPort: 5432 } ] } ] } } }
              - kind: ConfigMap
                metadata: { name: settings }
                data: { enabled: "true", port: "8080", empty: "" }
            ---
            kind: DaemonSet
            metadata: { name: agent }
            spec: { template: { spec: { containers: [ { name: agent, ports: [ { containerPort: 9100 } ] } ] } } }
            ---
            kind: Deployment
            metadata: { name: legacy }
            spec:
              template:
                metadata: { annotations: { meshheal.io/inject: disabled } }
                spec: { containers: [ { name: app, ports: [ { containerPort: 80 } ] } ] }
            """;

        var (code, output, error) = await RunAsync(["inject", "-f", "-"], Manifest);

        Assert.Equal(0, code);
        var documents = YamlJson.Read(output);
        Assert.Equal(3, documents.Count);
        Assert.Equal("meshheal-sidecar", (string?)documents[0]["items"]![0]!["spec"]!["template"]!["spec"]!["containers"]![1]!["name"]);
        Assert.True(JsonNode.DeepEquals(YamlJson.Read(Manifest)[0]["items"]![1], documents[0]["items"]![1]), "the ConfigMap is unchanged: quoted strings stay strings");
        Assert.Equal("meshheal-sidecar", (string?)documents[1]["spec"]!["template"]!["spec"]!["containers"]![1]!["name"]);
        Assert.True(JsonNode.DeepEquals(YamlJson.Read(Manifest)[2], documents[2]), "the disabled Deployment is unchanged");
        Assert.Contains("deployment/legacy skipped (meshheal.io/inject: disabled)", error, StringComparison.Ordinal);
        Assert.Contains("statefulset/db injected", error, StringComparison.Ordinal);
        Assert.Contains("daemonset/agent injected", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inject_OnlyAnnotated_LeavesUnannotatedWorkloadsAlone()
    {
        const string Manifest = """
            kind: Deployment
            metadata: { name: plain }
            spec: { template: { spec: { containers: [ { name: app, ports: [ { containerPort: 80 } ] } ] } } }
            """;

        var (code, output, error) = await RunAsync(["inject", "--only-annotated", "-f", "-"], Manifest);
        var (_, all, _) = await RunAsync(["inject", "-f", "-"], Manifest);

        Assert.Equal(0, code);
        Assert.True(JsonNode.DeepEquals(YamlJson.Read(Manifest)[0], YamlJson.Read(output)[0]));
        Assert.Contains("skipped (not annotated meshheal.io/inject: enabled)", error, StringComparison.Ordinal);
        Assert.Contains("meshheal-sidecar", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inject_Options_ReachTheSidecar()
    {
        var (code, output, _) = await RunAsync(
            ["inject", "-f", "-", "--image", "registry.local/meshheal:dev", "--control-plane", "https://cp.mesh:15010", "--token-secret", "{service}-mesh-token"], PlainExample);

        Assert.Equal(0, code);
        Assert.Contains("image: registry.local/meshheal:dev", output, StringComparison.Ordinal);
        Assert.Contains("value: https://cp.mesh:15010", output, StringComparison.Ordinal);
        Assert.Contains("name: orders-mesh-token", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kind: Service\n---\nkind: Deployment\nmetadata: { name: orders }\nspec: { template: { spec: { containers: [ { name: app } ] } } }\n",
        "meshctl inject: document 2 (Deployment orders): spec.template.spec.containers[*].ports: ")]
    [InlineData("kind: Deployment\nmetadata: { name: orders }\nspec: { replicas: 1 }\n", "meshctl inject: document 1 (Deployment orders): spec.template: ")]
    [InlineData("kind: List\nitems:\n  - kind: Pod\n    metadata: { name: p }\n    spec: { containers: [ { name: app, ports: [ { containerPort: http } ] } ] }\n",
        "meshctl inject: document 1 (List (no name)): items[0] (Pod p).spec.containers[0].ports[0].containerPort: ")]
    public async Task Inject_BadDocument_NamesTheDocumentAndField_AndWritesNothing(string manifest, string message)
    {
        var (code, output, error) = await RunAsync(["inject", "-f", "-"], manifest);

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inject", "-f is required")]
    [InlineData("inject -f - --control-plane not-a-url", "'--control-plane' 'not-a-url' is not accepted")]
    [InlineData("inject -f - --bogus", "'--bogus' is not accepted")]
    [InlineData("inject -f /no/such/file.yaml", "/no/such/file.yaml: ")]
    public async Task Inject_BadCommandLine_Exits2WithTheReason(string line, string message)
    {
        var (code, _, error) = await RunAsync(line.Split(' '), "kind: Service\n");

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inject_NotYaml_Exits2WithTheLine()
    {
        var (code, _, error) = await RunAsync(["inject", "-f", "-"], "kind: Service\nmetadata: { name: [\n");

        Assert.Equal(2, code);
        Assert.Contains("-: not YAML at line", error, StringComparison.Ordinal);
    }

    [Fact]
    public void YamlJson_StringsThatLookLikeOtherTypes_RoundTripAsStrings()
    {
        var document = JsonNode.Parse("""{"a":"true","b":"8080","c":"","d":"null","e":"1.5","f":"line one\nline two\n","g":"x: y","h":true,"i":8080,"j":null,"k":[],"l":{}}""")!;

        var read = YamlJson.Read(YamlJson.Write([document]));

        Assert.True(JsonNode.DeepEquals(document, read.Single()), read.Single().ToJsonString());
    }

    [Theory]
    [InlineData("off")]
    [InlineData("On")]
    [InlineData("yes")]
    [InlineData("n")]
    public void YamlJson_Yaml11Booleans_AreWrittenQuoted_SoKubectlReadsStrings(string text)
    {
        var written = YamlJson.Write([new JsonObject { ["args"] = new JsonArray("--ipv6", text) }]);

        Assert.Contains($"- \"{text}\"\n", written, StringComparison.Ordinal);
        Assert.Equal(text, (string?)YamlJson.Read(written).Single()["args"]![1]);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string input)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var code = await InjectCommand.RunAsync(args, new StringReader(input), output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.Heal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Mesh.Heal.sln not found above " + AppContext.BaseDirectory);
    }
}
