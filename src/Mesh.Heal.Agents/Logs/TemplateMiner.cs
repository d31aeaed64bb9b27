namespace Mesh.Heal.Agents.Logs;

/// <summary>Folds log messages into templates online, the way Drain does (He et al., ICWS 2017): a fixed-depth parse tree by
/// token count and leading tokens, then the most similar cluster in the leaf, whose template turns the tokens that differ
/// into <c>&lt;*&gt;</c>.</summary>
/// <remarks>
/// Variables are masked first (<see cref="LogMasker"/>), so most lines of a template match it token for token. A line's
/// cluster never changes once given (clusters grow, they do not merge), so the ids it returns stay valid; its template
/// may generalise later. Not thread-safe.
/// </remarks>
public sealed class TemplateMiner
{
    /// <summary>The wildcard token.</summary>
    public const string Wildcard = "<*>";

    /// <summary>The id of the cluster lines join when <see cref="TemplateMinerOptions.MaximumTemplates"/> is reached and no leaf has one.</summary>
    public const int OverflowId = 0;

    private readonly TemplateMinerOptions _options;
    private readonly Dictionary<int, Node> _byLength = [];
    private readonly List<LogTemplate> _templates = [new LogTemplate(OverflowId, ["<overflow>"])];
    private readonly List<string> _tokens = [];

    /// <summary>Creates a miner with <paramref name="options"/>, or the defaults.</summary>
    public TemplateMiner(TemplateMinerOptions? options = null)
    {
        _options = options ?? new TemplateMinerOptions();
        if (_options.SimilarityThreshold is < 0 or > 1 || double.IsNaN(_options.SimilarityThreshold))
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.SimilarityThreshold, "SimilarityThreshold must be from 0 to 1");
        }

        if (_options.PrefixTokens is < 0 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.PrefixTokens, "PrefixTokens must be from 0 to 10");
        }
    }

    /// <summary>Every template so far, by id; id 0 is the overflow.</summary>
    public IReadOnlyList<LogTemplate> Templates => _templates;

    /// <summary>Mines <paramref name="message"/>: the template it joined or opened.</summary>
    public LogTemplate Add(string message)
    {
        LogMasker.Tokenize(message, _tokens);
        return Add(_tokens);
    }

    /// <summary>Mines a message already split and masked by <see cref="LogMasker.Tokenize"/>.</summary>
    internal LogTemplate Add(List<string> tokens)
    {
        var leaf = Leaf(tokens);
        LogTemplate? best = null;
        var bestSimilarity = -1.0;
        var bestWildcards = -1;
        foreach (var candidate in leaf.Clusters)
        {
            var (similarity, wildcards) = Similarity(candidate.Tokens, tokens);
            if (similarity > bestSimilarity || (similarity == bestSimilarity && wildcards > bestWildcards))
            {
                best = candidate;
                bestSimilarity = similarity;
                bestWildcards = wildcards;
            }
        }

        var full = _templates.Count > _options.MaximumTemplates;
        if (best is not null && (bestSimilarity >= _options.SimilarityThreshold || full))
        {
            best.Merge(tokens);
            return best;
        }

        if (full)
        {
            _templates[OverflowId].Count++;
            return _templates[OverflowId];
        }

        var opened = new LogTemplate(_templates.Count, [.. tokens]);
        opened.Count = 1;
        _templates.Add(opened);
        leaf.Clusters.Add(opened);
        return opened;
    }

    private Node Leaf(List<string> tokens)
    {
        if (!_byLength.TryGetValue(tokens.Count, out var node))
        {
            _byLength[tokens.Count] = node = new Node();
        }

        var depth = Math.Min(_options.PrefixTokens, tokens.Count);
        for (var i = 0; i < depth; i++)
        {
            var token = tokens[i];
            var key = HasDigitOrMask(token) ? Wildcard : token;
            if (!node.Children.TryGetValue(key, out var child))
            {
                if (key != Wildcard && node.Children.Count >= _options.MaximumChildren)
                {
                    key = Wildcard;
                    child = node.Children.GetValueOrDefault(key);
                }

                if (child is null)
                {
                    node.Children[key] = child = new Node();
                }
            }

            node = child;
        }

        return node;
    }

    // The share of the template's tokens the line repeats exactly; a wildcard is no match (Drain's simSeq), so a short
    // template that has lost half its words to wildcards does not swallow every line of its length.
    private static (double Similarity, int Wildcards) Similarity(string[] template, List<string> tokens)
    {
        if (template.Length == 0)
        {
            return (1, 0);
        }

        int same = 0, wildcards = 0;
        for (var i = 0; i < template.Length; i++)
        {
            if (ReferenceEquals(template[i], Wildcard) || template[i] == Wildcard)
            {
                wildcards++;
            }
            else if (template[i] == tokens[i])
            {
                same++;
            }
        }

        return ((double)same / template.Length, wildcards);
    }

    private static bool HasDigitOrMask(string token)
    {
        // A mask anywhere in it: "[<ID>]" routes with "[scheduler-9]", which a mask may or may not have covered.
        if (token.Contains('<', StringComparison.Ordinal) && token.Contains('>', StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var c in token)
        {
            if (char.IsAsciiDigit(c))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class Node
    {
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public List<LogTemplate> Clusters { get; } = [];
    }
}

/// <summary>A template the miner holds: its tokens, with <c>&lt;*&gt;</c> where its lines differ, and how many lines joined it.</summary>
public sealed class LogTemplate
{
    private string? _text;

    internal LogTemplate(int id, string[] tokens)
    {
        Id = id;
        Tokens = tokens;
    }

    /// <summary>Its id, stable for the miner's life.</summary>
    public int Id { get; }

    /// <summary>How many lines joined it.</summary>
    public long Count { get; internal set; }

    /// <summary>Its tokens.</summary>
    internal string[] Tokens { get; }

    /// <summary>The template as text.</summary>
    public string Text => _text ??= LogMasker.Join(Tokens);

    internal void Merge(List<string> tokens)
    {
        Count++;
        for (var i = 0; i < Tokens.Length; i++)
        {
            if (!ReferenceEquals(Tokens[i], TemplateMiner.Wildcard) && Tokens[i] != tokens[i])
            {
                Tokens[i] = TemplateMiner.Wildcard;
                _text = null;
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
