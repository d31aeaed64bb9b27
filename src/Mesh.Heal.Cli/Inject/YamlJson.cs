using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Mesh.Heal.Cli.Inject;

/// <summary>YAML manifests as <see cref="JsonNode"/> documents and back, with the YAML 1.2 core schema's plain scalars
/// (null, booleans, integers, floats) as JSON values and every other scalar a string, as the Kubernetes API reads them.</summary>
/// <remarks>Comments, anchors and scalar styles are not kept; written YAML quotes a string that would read back as another
/// type, so reading what was written gives the same documents, and writing them again the same bytes.</remarks>
internal static partial class YamlJson
{
    private const string StringTag = "tag:yaml.org,2002:str";

    /// <summary>Reads every document of a YAML stream; an empty document is left out.</summary>
    /// <exception cref="YamlException">The text is not YAML; the exception's <c>Start</c> gives the line and column.</exception>
    public static List<JsonNode> Read(string text)
    {
        var parser = new Parser(new StringReader(text));
        parser.Consume<StreamStart>();
        var documents = new List<JsonNode>();
        while (parser.TryConsume<DocumentStart>(out _))
        {
            var anchors = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            var node = ReadNode(parser, anchors);
            parser.Consume<DocumentEnd>();
            if (node is not null)
            {
                documents.Add(node);
            }
        }

        parser.Consume<StreamEnd>();
        return documents;
    }

    /// <summary>Writes documents as one YAML stream, separated by <c>---</c>, in block style with two-space indents.</summary>
    public static string Write(IEnumerable<JsonNode> documents)
    {
        var output = new StringWriter { NewLine = "\n" };
        var first = true;
        foreach (var document in documents)
        {
            if (!first)
            {
                output.Write("---\n");
            }

            first = false;
            var emitter = new Emitter(output, new EmitterSettings(2, int.MaxValue, false, 1024, false, true, "\n"));
            emitter.Emit(new StreamStart());
            emitter.Emit(new DocumentStart(null, null, true));
            WriteNode(emitter, document);
            emitter.Emit(new DocumentEnd(true));
            emitter.Emit(new StreamEnd());
        }

        return output.ToString();
    }

    private static JsonNode? ReadNode(IParser parser, Dictionary<string, JsonNode?> anchors)
    {
        JsonNode? node;
        string anchor;
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            return anchors.TryGetValue(alias.Value.Value, out var target)
                ? target?.DeepClone()
                : throw new YamlException(alias.Start, alias.End, $"the alias *{alias.Value.Value} names no anchor");
        }

        if (parser.TryConsume<Scalar>(out var scalar))
        {
            anchor = scalar.Anchor.IsEmpty ? string.Empty : scalar.Anchor.Value;
            node = ToValue(scalar);
        }
        else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            anchor = sequenceStart.Anchor.IsEmpty ? string.Empty : sequenceStart.Anchor.Value;
            var array = new JsonArray();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                array.Add(ReadNode(parser, anchors));
            }

            node = array;
        }
        else
        {
            var mappingStart = parser.Consume<MappingStart>();
            anchor = mappingStart.Anchor.IsEmpty ? string.Empty : mappingStart.Anchor.Value;
            var map = new JsonObject();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyStart = parser.Current!.Start;
                var key = ReadNode(parser, anchors);
                if (key is not JsonValue keyValue)
                {
                    throw new YamlException(keyStart, keyStart, "a mapping key is not a scalar; accepted: scalar keys");
                }

                var name = keyValue.GetValueKind() == JsonValueKind.String ? keyValue.GetValue<string>() : keyValue.ToJsonString();
                if (map.ContainsKey(name))
                {
                    throw new YamlException(keyStart, keyStart, $"the key '{name}' appears twice in one mapping");
                }

                map[name] = ReadNode(parser, anchors);
            }

            node = map;
        }

        if (anchor.Length > 0)
        {
            anchors[anchor] = node;
        }

        return node;
    }

    private static JsonNode? ToValue(Scalar scalar)
    {
        var text = scalar.Value;
        return scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsEmpty && scalar.Tag.Value is StringTag or "!")
            ? JsonValue.Create(text)
            : ResolvePlain(text);
    }

    private static JsonNode? ResolvePlain(string text)
    {
        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (text is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        if (Integer().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(text);
    }

    private static void WriteNode(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonObject map:
                emitter.Emit(new MappingStart(null, null, true, map.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in map)
                {
                    WriteString(emitter, key);
                    WriteNode(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray list:
                emitter.Emit(new SequenceStart(null, null, true, list.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in list)
                {
                    WriteNode(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                WriteString(emitter, value.GetValue<string>());
                break;
            default:
                // Numbers and booleans as JSON writes them, which the reader above reads back as the same value.
                emitter.Emit(new Scalar(null, null, node.ToJsonString(), ScalarStyle.Plain, true, false));
                break;
        }
    }

    private static void WriteString(IEmitter emitter, string text)
    {
        // kubectl reads YAML 1.1, where a plain on/off/yes/no/y/n is a boolean: such a string is quoted too.
        var style = text.Contains('\n', StringComparison.Ordinal) && !text.Contains('\r', StringComparison.Ordinal) && !text.StartsWith(' ')
            ? ScalarStyle.Literal
            : ResolvePlain(text) is JsonValue read && read.GetValueKind() == JsonValueKind.String && !Yaml11Boolean().IsMatch(text) ? ScalarStyle.Any : ScalarStyle.DoubleQuoted;
        emitter.Emit(new Scalar(null, null, text, style, true, true));
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex("^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")]
    private static partial Regex Yaml11Boolean();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
