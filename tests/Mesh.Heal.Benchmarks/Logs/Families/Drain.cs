using System.Text.RegularExpressions;

namespace Mesh.Heal.Benchmarks.Logs.Families;

/// <summary>Drain (He et al., ICWS 2017) as logpai/logparser's Drain.py implements it: the baseline the miner is measured
/// against.</summary>
/// <remarks>
/// A fixed-depth prefix tree: the first layer by token count, then the leading tokens (a token holding a digit goes to the
/// <c>&lt;*&gt;</c> child, as does any token once a node has <see cref="DrainSettings.MaxChild"/> children), then a leaf of
/// clusters. A line joins the leaf's most similar cluster (equal tokens over length, <c>&lt;*&gt;</c> not counting; ties to
/// the one with more parameters) when the similarity reaches st, and the cluster's template turns its differing tokens into
/// <c>&lt;*&gt;</c>; otherwise it starts a cluster. The tree path is never revised when a template changes. As in Drain.py's
/// output, clusters whose final templates are the same text are one event (its event id is a hash of the text), and lines
/// shorter than the tree (one token at depth 4) never reach a leaf and so only meet their like by identical text.
/// </remarks>
internal sealed class Drain
{
    private const string Wildcard = "<*>";
    private readonly DrainSettings _settings;
    private readonly Regex[] _regexes;
    private readonly int _depth;
    private readonly Node _root = new();
    private readonly List<Cluster> _clusters = [];

    public Drain(DrainSettings settings)
    {
        _settings = settings;
        _regexes = [.. settings.Regexes.Select(r => new Regex(r, RegexOptions.CultureInvariant))];
        _depth = settings.Depth - 2;
    }

    /// <summary>The final template of every line's cluster, as Drain.py writes it in EventTemplate.</summary>
    public static string[] Templates(IReadOnlyList<string> lines, DrainSettings settings)
    {
        var drain = new Drain(settings);
        var assigned = new Cluster[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            assigned[i] = drain.Add(lines[i]);
        }

        return [.. assigned.Select(c => string.Join(' ', c.Template))];
    }

    /// <summary>The event of every line: equal numbers for lines whose final templates are the same text (Drain.py's
    /// EventId is a hash of that text).</summary>
    public static int[] Parse(IReadOnlyList<string> lines, DrainSettings settings) => Ids(Templates(lines, settings));

    /// <summary>Equal numbers for equal texts.</summary>
    public static int[] Ids(IReadOnlyList<string> templates)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new int[templates.Count];
        for (var i = 0; i < templates.Count; i++)
        {
            if (!ids.TryGetValue(templates[i], out var id))
            {
                ids[templates[i]] = id = ids.Count;
            }

            result[i] = id;
        }

        return result;
    }

    private Cluster Add(string line)
    {
        foreach (var regex in _regexes)
        {
            line = regex.Replace(line, Wildcard);
        }

        var tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var match = TreeSearch(tokens);
        if (match is null)
        {
            var cluster = new Cluster(tokens);
            _clusters.Add(cluster);
            AddToTree(cluster);
            return cluster;
        }

        for (var i = 0; i < tokens.Length; i++)
        {
            if (tokens[i] != match.Template[i])
            {
                match.Template[i] = Wildcard;
            }
        }

        return match;
    }

    private Cluster? TreeSearch(string[] tokens)
    {
        if (!_root.Children.TryGetValue(tokens.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), out var parent))
        {
            return null;
        }

        var depth = 1;
        foreach (var token in tokens)
        {
            if (depth >= _depth || depth > tokens.Length)
            {
                break;
            }

            if (parent.Children.TryGetValue(token, out var child) || parent.Children.TryGetValue(Wildcard, out child))
            {
                parent = child;
            }
            else
            {
                return null;
            }

            depth++;
        }

        return FastMatch(parent.Clusters, tokens);
    }

    private void AddToTree(Cluster cluster)
    {
        var length = cluster.Template.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!_root.Children.TryGetValue(length, out var parent))
        {
            _root.Children[length] = parent = new Node();
        }

        var depth = 1;
        foreach (var token in cluster.Template)
        {
            if (depth >= _depth || depth > cluster.Template.Length)
            {
                parent.Clusters.Add(cluster);
                break;
            }

            if (parent.Children.TryGetValue(token, out var child))
            {
                parent = child;
            }
            else if (!token.Any(char.IsDigit))
            {
                if (parent.Children.TryGetValue(Wildcard, out var wildcard))
                {
                    if (parent.Children.Count < _settings.MaxChild)
                    {
                        parent = parent.Children[token] = new Node();
                    }
                    else
                    {
                        parent = wildcard;
                    }
                }
                else if (parent.Children.Count + 1 < _settings.MaxChild)
                {
                    parent = parent.Children[token] = new Node();
                }
                else if (parent.Children.Count + 1 == _settings.MaxChild)
                {
                    parent = parent.Children[Wildcard] = new Node();
                }
                else
                {
                    // Drain.py reads the <*> child here, which cannot exist on this branch; keep to the same node.
                    parent = parent.Children.TryGetValue(Wildcard, out var any) ? any : parent;
                }
            }
            else if (parent.Children.TryGetValue(Wildcard, out var wildcard))
            {
                parent = wildcard;
            }
            else
            {
                parent = parent.Children[Wildcard] = new Node();
            }

            depth++;
        }
    }

    private Cluster? FastMatch(List<Cluster> clusters, string[] tokens)
    {
        Cluster? best = null;
        var bestSimilarity = -1.0;
        var bestParameters = -1;
        foreach (var cluster in clusters)
        {
            var (similarity, parameters) = Distance(cluster.Template, tokens);
            if (similarity > bestSimilarity || (similarity == bestSimilarity && parameters > bestParameters))
            {
                bestSimilarity = similarity;
                bestParameters = parameters;
                best = cluster;
            }
        }

        return bestSimilarity >= _settings.Similarity ? best : null;
    }

    private static (double Similarity, int Parameters) Distance(string[] template, string[] tokens)
    {
        var similar = 0;
        var parameters = 0;
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == Wildcard)
            {
                parameters++;
            }
            else if (template[i] == tokens[i])
            {
                similar++;
            }
        }

        return ((double)similar / template.Length, parameters);
    }

    private sealed class Node
    {
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public List<Cluster> Clusters { get; } = [];
    }

    private sealed class Cluster(string[] template)
    {
        public string[] Template { get; } = template;
    }
}
