using System.Globalization;
using Mesh.Heal.Policy;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Mesh.Heal.ControlPlane.Policies;

internal static partial class PolicyDocument
{
    /// <summary>Flattens a YAML or JSON document into configuration keys (<c>clusters:backend:timeout</c>).</summary>
    /// <remarks>
    /// Reads YamlDotNet's event stream with an explicit stack rather than its node graph, so nothing recurses on the C#
    /// stack however deep the document nests, and every limit (depth, nodes, aliases, expanded size, key type) is checked
    /// on the event that would cross it: a billion-laughs document stops at the alias that exceeds the budget, before
    /// anything is expanded. Lists become keys <c>0</c>, <c>1</c>… as configuration writes them, and an empty mapping or
    /// list becomes an empty value, so that the reader sees and names them.
    /// </remarks>
    private static (Dictionary<string, string?> Data, PolicyError? Error) Flatten(string text, PolicyDocumentLimits limits)
    {
        var flattener = new Flattener(limits);
        try
        {
            return (flattener.Run(text), null);
        }
        catch (DocumentException ex)
        {
            return (new(), ex.Error);
        }
        catch (YamlException ex)
        {
            // JSON is YAML's subset, so one parser reads both, and both get the same message.
            return (new(), new PolicyError("document", $"is not valid YAML or JSON at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}"));
        }
    }

    private sealed class DocumentException(PolicyError error) : Exception(error.ToString())
    {
        public PolicyError Error { get; } = error;
    }

    private sealed class Frame(bool isMapping, string? path, int entriesAtStart, string? anchor)
    {
        public bool IsMapping { get; } = isMapping;

        public string? Path { get; } = path;

        public int EntriesAtStart { get; } = entriesAtStart;

        public string? Anchor { get; } = anchor;

        public string? Key { get; set; }

        public int Index { get; set; }

        public HashSet<string> Keys { get; } = new(StringComparer.OrdinalIgnoreCase);
    }

    private readonly record struct Anchored(int Start, int Count, string? Path);

    private sealed class Flattener(PolicyDocumentLimits limits)
    {
        private readonly List<KeyValuePair<string, string?>> _entries = [];
        private readonly Dictionary<string, Anchored> _anchors = new(StringComparer.Ordinal);
        private readonly Stack<Frame> _stack = new();
        private long _nodes;
        private long _chars;
        private int _aliases;

        public Dictionary<string, string?> Run(string text)
        {
            var parser = new Parser(new StringReader(text));
            var documents = 0;
            while (Next(parser))
            {
                switch (parser.Current)
                {
                    case DocumentStart start when !start.IsImplicit || documents > 0:
                        if (++documents > 1)
                        {
                            Fail("document", "has several YAML documents; accepted: one document per policy", start.Start);
                        }

                        break;
                    case DocumentStart:
                        documents++;
                        break;
                    case MappingEnd or SequenceEnd:
                        End();
                        break;
                    case NodeEvent or AnchorAlias:
                        Node(parser.Current);
                        break;
                }
            }

            var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in _entries)
            {
                data[key] = value;
            }

            return data;
        }

        private static bool Next(Parser parser)
        {
            try
            {
                return parser.MoveNext();
            }
            catch (Exception ex) when (ex is not YamlException)
            {
                // YamlDotNet's scanner throws InvalidOperationException on some broken flow collections (found by the fuzz
                // suite: an unclosed [ followed by a multi-line plain scalar); that is bad input, not a server error.
                var at = parser.Current?.End ?? Mark.Empty;
                throw new DocumentException(new PolicyError("document", $"is not valid YAML or JSON after line {at.Line}, column {at.Column}: {ex.Message}"));
            }
        }

        private void Node(ParsingEvent node)
        {
            if (++_nodes > limits.MaxNodes)
            {
                Fail("document", $"has more than {limits.MaxNodes} nodes; accepted: at most {limits.MaxNodes} (ControlPlane:Limits:MaxPolicyNodes)", node.Start);
            }

            string? path;
            if (_stack.Count == 0)
            {
                if (node is not MappingStart)
                {
                    Fail("document", "must be a mapping; accepted: a mapping with service, defaults and clusters", node.Start);
                }

                path = null;
            }
            else
            {
                var parent = _stack.Peek();
                if (parent.IsMapping && parent.Key is null)
                {
                    parent.Key = Key(parent, node);
                    return;
                }

                if (parent.IsMapping)
                {
                    path = Join(parent.Path, parent.Key!);
                    parent.Key = null;
                }
                else
                {
                    path = Join(parent.Path, (parent.Index++).ToString(CultureInfo.InvariantCulture));
                }
            }

            switch (node)
            {
                case AnchorAlias alias:
                    Alias(path!, alias);
                    break;
                case Scalar scalar:
                    Emit(path!, IsNull(scalar) ? null : scalar.Value, scalar.Start);
                    if (!scalar.Anchor.IsEmpty)
                    {
                        _anchors[scalar.Anchor.Value] = new(_entries.Count - 1, 1, path);
                    }

                    break;
                default:
                    if (_stack.Count >= limits.MaxDepth)
                    {
                        Fail(path ?? "document", $"nests deeper than {limits.MaxDepth} levels; accepted: at most {limits.MaxDepth} (ControlPlane:Limits:MaxPolicyDepth)", node.Start);
                    }

                    var anchor = ((NodeEvent)node).Anchor;
                    _stack.Push(new Frame(node is MappingStart, path, _entries.Count, anchor.IsEmpty ? null : anchor.Value));
                    break;
            }
        }

        private string Key(Frame parent, ParsingEvent node)
        {
            var at = parent.Path ?? "document";
            if (node is not Scalar { Value: var key } scalar)
            {
                var kind = node switch { MappingStart => "a mapping", SequenceStart => "a list", _ => "an alias" };
                Fail(at, $"has a key that is {kind}; accepted: keys that are plain names such as timeout", node.Start);
                return null!;
            }

            if (key == "<<" && scalar.Style == ScalarStyle.Plain)
            {
                Fail(Join(parent.Path, key), "merge keys (<<) are not supported; accepted: the settings written out, or an alias (*name) as a whole value", node.Start);
            }

            if (key.Length == 0 || key.Length > PolicyDocumentLimits.MaxKeyLength || key.Contains(':'))
            {
                Fail(at, $"has the key '{Shorten(key)}'; accepted: 1 to {PolicyDocumentLimits.MaxKeyLength} characters without ':'", node.Start);
            }

            if (!parent.Keys.Add(key))
            {
                Fail(Join(parent.Path, key), "is given twice (keys are case-insensitive); accepted: each key once", node.Start);
            }

            return key;
        }

        private void Alias(string path, AnchorAlias alias)
        {
            if (++_aliases > limits.MaxAliases)
            {
                Fail(path, $"is alias number {_aliases}; accepted: at most {limits.MaxAliases} aliases (ControlPlane:Limits:MaxPolicyAliases)", alias.Start);
            }

            if (!_anchors.TryGetValue(alias.Value.Value, out var anchored))
            {
                Fail(path, $"refers to '*{Shorten(alias.Value.Value)}', which no complete node before it is anchored as; accepted: an alias of an earlier anchor (&name)", alias.Start);
            }

            if (_nodes + anchored.Count > limits.MaxNodes)
            {
                Fail(path, $"expands to more than {limits.MaxNodes} nodes; accepted: at most {limits.MaxNodes} in all, aliases included (ControlPlane:Limits:MaxPolicyNodes)", alias.Start);
            }

            _nodes += anchored.Count;
            var prefix = anchored.Path?.Length ?? -1;
            for (var i = anchored.Start; i < anchored.Start + anchored.Count; i++)
            {
                var (source, value) = _entries[i];
                var relative = source.Length == prefix ? string.Empty : source[(prefix + 1)..];
                var length = path.Length + relative.Length + 1L;
                Charge(length + (value?.Length ?? 0), path, alias.Start);
                Emit(relative.Length == 0 ? path : path + ":" + relative, value, alias.Start);
            }
        }

        private void End()
        {
            var frame = _stack.Pop();
            if (frame.Path is not null && _entries.Count == frame.EntriesAtStart)
            {
                Emit(frame.Path, string.Empty, Mark.Empty);
            }

            if (frame.Anchor is not null)
            {
                _anchors[frame.Anchor] = new(frame.EntriesAtStart, _entries.Count - frame.EntriesAtStart, frame.Path);
            }
        }

        private void Emit(string path, string? value, Mark at)
        {
            Charge(path.Length + (long)(value?.Length ?? 0), path, at);
            _entries.Add(KeyValuePair.Create(path, value));
        }

        private void Charge(long chars, string path, Mark at)
        {
            _chars += chars;
            if (_chars > limits.MaxExpandedChars)
            {
                Fail(path, $"makes the document expand past {limits.MaxExpandedChars} characters; accepted: at most {limits.MaxExpandedChars} (ControlPlane:Limits:MaxPolicyExpandedChars)", at);
            }
        }

        private static bool IsNull(Scalar scalar) =>
            scalar.Style == ScalarStyle.Plain && scalar.Value is "~" or "null" or "Null" or "NULL";

        private static string Join(string? prefix, string key) => prefix is null ? key : prefix + ":" + key;

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        private static void Fail(string path, string message, Mark at) =>
            throw new DocumentException(new PolicyError(ShortenPath(path), at.Line > 0 ? $"{message} (line {at.Line})" : message));

        // A path 64 levels deep of 256-character keys is 16 KB: too much for a gRPC status, and its ends say where it is.
        private static string ShortenPath(string path) => path.Length <= 400 ? path : path[..250] + "…" + path[^120..];
    }
}
