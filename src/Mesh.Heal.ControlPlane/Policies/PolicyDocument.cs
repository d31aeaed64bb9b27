using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mesh.Heal.Policy;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Heal.ControlPlane.Policies;

/// <summary>A service's policy as an operator writes it: YAML or JSON with <c>service</c>, <c>defaults</c> and <c>clusters</c>.</summary>
/// <remarks>
/// The document is flattened into configuration keys and read by <see cref="PolicyReader"/>, the same reader as the
/// sidecar's own <c>Resilience</c> section, so both accept the same keys (case-insensitive), durations (<c>2s</c>,
/// <c>250ms</c>, <c>00:00:02</c>) and defaults, and a bad value is named by its path.
/// </remarks>
internal static partial class PolicyDocument
{
    /// <summary>What a service name may look like.</summary>
    public const string ServiceNameRule = "lowercase letters, digits, '-', '_' and '.', 1 to 63 characters, starting and ending with a letter or digit";

    /// <summary>Parses and validates a document.</summary>
    /// <param name="text">The document.</param>
    /// <param name="service">The service it must be for, or null to take it from the document.</param>
    /// <param name="maxBytes">The largest document accepted.</param>
    public static (string? Service, ResiliencePolicy? Policy, IReadOnlyList<PolicyError> Errors) Parse(string text, string? service, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) > maxBytes)
        {
            return (null, null, [new PolicyError("document", $"is {Encoding.UTF8.GetByteCount(text)} bytes; accepted: at most {maxBytes} bytes")]);
        }

        Dictionary<string, string?> data;
        try
        {
            data = Flatten(text);
        }
        catch (YamlException ex)
        {
            return (null, null, [new PolicyError("document", $"is not valid YAML or JSON at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}")]);
        }

        var root = new ConfigurationBuilder().AddInMemoryCollection(data).Build();
        var named = root["service"];
        var errors = new List<PolicyError>();
        var effective = named ?? service;
        if (string.IsNullOrEmpty(effective))
        {
            errors.Add(new PolicyError("service", "is missing; accepted: " + ServiceNameRule));
        }
        else if (!IsServiceName(effective))
        {
            errors.Add(new PolicyError("service", $"'{effective}' is not a service name; accepted: {ServiceNameRule}"));
        }
        else if (service is not null && named is not null && !string.Equals(service, named, StringComparison.Ordinal))
        {
            errors.Add(new PolicyError("service", $"the document is for '{named}' but was submitted for '{service}'"));
        }

        var (policy, policyErrors) = PolicyReader.Read(root, path: string.Empty, version: 0, knownClusters: null, otherKeys: ["service"]);
        errors.AddRange(policyErrors);
        return errors.Count == 0 ? (effective, policy, errors) : (effective, null, errors);
    }

    /// <summary>Sets configuration paths (<c>clusters:c:override</c>) in a document and returns it as JSON, with each path's value before.</summary>
    /// <remarks>
    /// Paths match case-insensitively, as the reader reads them; a null value removes the path. The result is read the same
    /// way as the original except for the changed paths, so applying the returned previous values undoes the change even
    /// when other paths changed in between.
    /// </remarks>
    public static (string Document, IReadOnlyDictionary<string, string?> Previous) Patch(string text, IReadOnlyDictionary<string, string?> changes)
    {
        var data = Flatten(text);
        var previous = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (path, value) in changes)
        {
            previous[path] = data.GetValueOrDefault(path);
            if (value is null)
            {
                data.Remove(path);
            }
            else
            {
                data[path] = value;
            }
        }

        var root = new JsonObject(new JsonNodeOptions { PropertyNameCaseInsensitive = true });
        foreach (var (path, value) in data.OrderBy(d => d.Key, StringComparer.OrdinalIgnoreCase))
        {
            var node = root;
            var segments = path.Split(':');
            foreach (var segment in segments[..^1])
            {
                if (node[segment] is not JsonObject child)
                {
                    node[segment] = child = new JsonObject(new JsonNodeOptions { PropertyNameCaseInsensitive = true });
                }

                node = child;
            }

            node[segments[^1]] = value;
        }

        return (root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), previous);
    }

    /// <summary>Whether <paramref name="name"/> is an acceptable service name.</summary>
    public static bool IsServiceName(string? name) => name is not null && ServiceName().IsMatch(name);

    [GeneratedRegex("^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceName();

    private static Dictionary<string, string?> Flatten(string text)
    {
        // JSON is YAML's subset, so one parser reads both.
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (stream.Documents.Count == 0)
        {
            return data;
        }

        if (stream.Documents.Count > 1)
        {
            throw new YamlException(stream.Documents[1].RootNode.Start, stream.Documents[1].RootNode.End, "one document per policy; this one has several");
        }

        var rootNode = stream.Documents[0].RootNode;
        if (rootNode is not YamlMappingNode)
        {
            throw new YamlException(rootNode.Start, rootNode.End, "the document must be a mapping with service, defaults and clusters");
        }

        Visit(rootNode, prefix: null, data);
        return data;
    }

    private static void Visit(YamlNode node, string? prefix, Dictionary<string, string?> data)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? string.Empty;
                    Visit(value, prefix is null ? name : $"{prefix}:{name}", data);
                }

                break;
            case YamlSequenceNode sequence:
                var i = 0;
                foreach (var item in sequence.Children)
                {
                    Visit(item, $"{prefix}:{i++}", data);
                }

                break;
            case YamlScalarNode scalar when prefix is not null:
                data[prefix] = scalar.Value is "~" or "null" && scalar.Style == YamlDotNet.Core.ScalarStyle.Plain ? null : scalar.Value;
                break;
        }
    }
}
