using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Mesh.Heal.IntegrationTests.Deploy;

/// <summary>The repository's deployment files, read as a deployer would: Kubernetes manifests, the Dockerfile and its entry script.</summary>
internal static partial class Manifests
{
    public static string Root => Mesh.Heal.Chaos.Programs.Root;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>The names of the files in <c>deploy/kubernetes</c>.</summary>
    public static IReadOnlyList<string> KubernetesFiles() =>
        Directory.GetFiles(PathOf("deploy/kubernetes"), "*.yaml").Select(f => System.IO.Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();

    /// <summary>Every YAML document of the given files of <c>deploy/kubernetes</c>, applied together.</summary>
    public static IReadOnlyList<Node> Kubernetes(params string[] files) =>
        files.Select(f => PathOf(System.IO.Path.Combine("deploy/kubernetes", f))).SelectMany(Documents).ToList();

    /// <summary>Every YAML document <c>meshctl inject -f</c> prints for the given file of <c>deploy/kubernetes</c>.</summary>
    public static IReadOnlyList<Node> Injected(string file)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var path = PathOf(System.IO.Path.Combine("deploy/kubernetes", file));
        // Off the test's synchronization context: the command is async (it reads the file), the deploy checks are not.
        var code = Task.Run(() => Mesh.Heal.Cli.Inject.InjectCommand.RunAsync(["inject", "-f", path], TextReader.Null, output, error)).GetAwaiter().GetResult();
        if (code != 0)
        {
            throw new InvalidOperationException($"meshctl inject -f {file} exited {code}: {error}");
        }

        var injected = System.IO.Path.Combine(Directory.CreateTempSubdirectory("meshheal-inject-").FullName, file);
        File.WriteAllText(injected, output.ToString());
        return Documents(injected).ToList();
    }

    public static IEnumerable<Node> Documents(string path)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(File.ReadAllText(path)));
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (deserializer.Deserialize<object>(parser) is { } document)
            {
                yield return new Node(document, Path.GetFileName(path));
            }
        }
    }

    /// <summary>The image's default environment: the <c>ENV</c> instruction of the runtime stage.</summary>
    public static Dictionary<string, string> ImageEnvironment()
    {
        var text = Dockerfile();
        var env = text[text.LastIndexOf("\nENV ", StringComparison.Ordinal)..];
        env = env[..env.IndexOf("\nEXPOSE", StringComparison.Ordinal)];
        return EnvPair().Matches(env).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
    }

    public static string Dockerfile() => File.ReadAllText(PathOf("Dockerfile")).Replace("\\\n", " \n", StringComparison.Ordinal);

    /// <summary>The roles the entry script accepts, with the program each starts (a .dll run by dotnet, or an executable).</summary>
    public static Dictionary<string, string> EntryRoles() =>
        RoleLine().Matches(File.ReadAllText(PathOf("deploy/docker/meshheal.sh"))).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(\S+)")]
    private static partial Regex EnvPair();

    // `exec dotnet x.dll` for the JIT programs, `exec /app/sidecar/Mesh.Heal.Sidecar` for the NativeAOT sidecar.
    [GeneratedRegex(@"^\s*([a-z-]+)\)\s+exec (?:dotnet )?(\S+)", RegexOptions.Multiline)]
    private static partial Regex RoleLine();
}

/// <summary>A YAML value with the path that reached it, so a failed assertion says where to look.</summary>
internal sealed class Node(object? value, string path)
{
    public object? Value { get; } = value;

    public string Path { get; } = path;

    public Node this[string key] => Value is Dictionary<object, object> map && map.TryGetValue(key, out var v)
        ? new Node(v, $"{Path}.{key}")
        : throw new Xunit.Sdk.XunitException($"{Path}: no '{key}'");

    public Node? Get(string key) => Value is Dictionary<object, object> map && map.TryGetValue(key, out var v) ? new Node(v, $"{Path}.{key}") : null;

    public IEnumerable<Node> Items => Value is List<object> list ? list.Select((v, i) => new Node(v, $"{Path}[{i}]")) : [];

    public IEnumerable<(string Key, Node Value)> Entries =>
        Value is Dictionary<object, object> map ? map.Select(kv => ((string)kv.Key, new Node(kv.Value, $"{Path}.{kv.Key}"))) : [];

    public string Text => Value as string ?? throw new Xunit.Sdk.XunitException($"{Path}: not a string");

    public override string ToString() => Path;
}
