using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Heal.Injection;
using YamlDotNet.Core;

namespace Mesh.Heal.Cli.Inject;

/// <summary><c>meshctl inject -f &lt;file|-&gt;</c>: the manifest with the Mesh.Heal sidecar added to its workloads, on stdout.</summary>
/// <remarks>
/// <para>Every Deployment, StatefulSet, DaemonSet and Pod, also as items of a <c>List</c>, gets what <see cref="PodInjector"/>
/// adds; other documents are written back unchanged in content. Comments are not kept. Injecting the output again
/// gives the same bytes.</para>
/// <para>Exit codes: 0 written, 1 a document cannot be injected (the message names the document and the field; nothing is
/// written), 2 the command line is wrong or the file cannot be read or is not YAML.</para>
/// </remarks>
internal static class InjectCommand
{
    public const string Usage = "accepted: inject -f <file|-> [--only-annotated] [--image <image>] [--control-plane <grpc url>] [--token-secret <name, {service} for the service>]";

    private static readonly HashSet<string> Workloads = new(StringComparer.Ordinal) { "Deployment", "StatefulSet", "DaemonSet" };

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader input, TextWriter output, TextWriter error)
    {
        string? file = null;
        var options = new InjectionOptions();
        for (var i = 1; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            switch (args[i])
            {
                case "-f" or "--filename" when value is not null:
                    file = value;
                    i++;
                    break;
                case "--only-annotated":
                    options.OnlyAnnotated = true;
                    break;
                case "--image" when value is { Length: > 0 } && !value.Any(char.IsWhiteSpace):
                    options.Image = value;
                    i++;
                    break;
                case "--control-plane" when Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https":
                    options.ControlPlaneUrl = value!;
                    i++;
                    break;
                case "--token-secret" when value is { Length: > 0 }:
                    options.TokenSecretPattern = value;
                    i++;
                    break;
                default:
                    await error.WriteLineAsync($"meshctl inject: '{args[i]}'{(value is null ? string.Empty : $" '{value}'")} is not accepted; {Usage}");
                    return 2;
            }
        }

        if (file is null)
        {
            await error.WriteLineAsync("meshctl inject: -f is required; " + Usage);
            return 2;
        }

        string text;
        try
        {
            text = file == "-" ? await input.ReadToEndAsync() : await File.ReadAllTextAsync(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"meshctl inject: {file}: {ex.Message}");
            return 2;
        }

        List<JsonNode> documents;
        try
        {
            documents = YamlJson.Read(text);
        }
        catch (YamlException ex)
        {
            await error.WriteLineAsync($"meshctl inject: {file}: not YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}");
            return 2;
        }

        var report = new List<string>();
        for (var d = 0; d < documents.Count; d++)
        {
            try
            {
                InjectDocument(documents[d], options, report);
            }
            catch (InjectionException ex)
            {
                await error.WriteLineAsync($"meshctl inject: document {d + 1}{Describe(documents[d])}: {ex.Message}");
                return 1;
            }
        }

        await output.WriteAsync(YamlJson.Write(documents));
        foreach (var line in report)
        {
            await error.WriteLineAsync(line);
        }

        return 0;
    }

    private static void InjectDocument(JsonNode document, InjectionOptions options, List<string> report)
    {
        if (document is not JsonObject resource || Text(resource, "kind") is not { } kind)
        {
            return;
        }

        if (kind == "List")
        {
            if (resource["items"] is not JsonArray items)
            {
                throw new InjectionException("items", "missing or not a list; accepted: a list of resources");
            }

            for (var i = 0; i < items.Count; i++)
            {
                try
                {
                    InjectDocument(items[i]!, options, report);
                }
                catch (InjectionException ex)
                {
                    throw new InjectionException($"items[{i}]{Describe(items[i]!)}.{ex.Field}", ex.Reason);
                }
            }

            return;
        }

        var name = resource["metadata"] is JsonObject metadata ? Text(metadata, "name") : null;
        JsonObject template;
        string prefix;
        if (Workloads.Contains(kind))
        {
            template = resource["spec"] is JsonObject spec && spec["template"] is JsonObject t
                ? t
                : throw new InjectionException("spec.template", "missing or not an object; accepted: a pod template");
            prefix = "spec.template.";
        }
        else if (kind == "Pod")
        {
            template = resource;
            prefix = string.Empty;
        }
        else
        {
            return;
        }

        InjectionOutcome outcome;
        try
        {
            outcome = PodInjector.Inject(template, name, options);
        }
        catch (InjectionException ex)
        {
            throw new InjectionException(prefix + ex.Field, ex.Reason);
        }

        report.Add($"{kind.ToLowerInvariant()}/{name} {outcome switch
        {
            InjectionOutcome.Injected => "injected",
            InjectionOutcome.AlreadyInjected => "skipped (already injected)",
            InjectionOutcome.Disabled => "skipped (meshheal.io/inject: disabled)",
            _ => "skipped (not annotated meshheal.io/inject: enabled)",
        }}");
    }

    private static string Describe(JsonNode document) =>
        document is JsonObject resource && Text(resource, "kind") is { } kind
            ? $" ({kind} {(resource["metadata"] is JsonObject m && Text(m, "name") is { } n ? n : "(no name)")})"
            : string.Empty;

    private static string? Text(JsonObject parent, string key) =>
        parent[key] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
