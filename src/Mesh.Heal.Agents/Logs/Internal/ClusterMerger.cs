using System.Text;

namespace Mesh.Heal.Agents.Logs.Internal;

/// <summary>Merges the online miner's clusters once a whole batch has been read (<see cref="OfflineTemplateMiner"/>).</summary>
/// <remarks>
/// A cluster is seen through its shape: its template's tokens with every variable written <see cref="LogMasker.Variable"/>
/// and every run of variables folded into one, so that the constant tokens and where the variables fall between them are
/// all that is left. Three rules, applied until none applies:
/// <list type="number">
/// <item>the same shape is the same event, whatever the token counts (a field of variable length: free text, a list);</item>
/// <item>shapes that differ in one constant position, where that position takes <see cref="DistinctValues"/> or more values
/// across them, are one event whose word there is a variable (a user, a host, a state);</item>
/// <item>a shape that has a variable where another of the same length has a constant holds the other (the online pass met
/// them in an order that opened the specific one first).</item>
/// </list>
/// Rules 2 and 3 need <see cref="MinimumConstants"/> constant tokens left besides the varying one, so that short messages of
/// different events ("Starting X", "Stopping X", "Restarting X") stay apart.
/// </remarks>
internal sealed class ClusterMerger
{
    /// <summary>How many values a constant position must take across otherwise equal shapes to be a variable.</summary>
    /// <remarks>Brain's threshold, one for every system. On the benchmark's tuning families 3 joined distinct events and 5 left
    /// values apart, each worse on average than 4.</remarks>
    internal const int DistinctValues = 4;

    /// <summary>How many constant tokens a shape must keep besides the position that varies for rules 2 and 3.</summary>
    internal const int MinimumConstants = 2;

    private const int Rounds = 8;
    private static readonly string VariableToken = LogMasker.Variable.ToString();

    private readonly IReadOnlyList<LogTemplate> _templates;
    private readonly int[] _parent;
    private readonly Dictionary<int, string[]> _shapes = [];

    public ClusterMerger(IReadOnlyList<LogTemplate> templates)
    {
        _templates = templates;
        _parent = new int[templates.Count];
        for (var i = 0; i < _parent.Length; i++)
        {
            _parent[i] = i;
        }
    }

    /// <summary>Merges the clusters and gives each message, by its cluster (-1 for none), its template.</summary>
    public MinedBatch Merge(int[] clusterOf, string[]?[] tokensOf)
    {
        foreach (var template in _templates)
        {
            if (template.Count > 0)
            {
                _shapes[template.Id] = ShapeOf(template.Tokens);
            }
        }

        SameShape();
        for (var round = 0; round < Rounds && OneVaryingPosition(); round++)
        {
        }

        return Result(clusterOf, tokensOf);
    }

    // Rule 1: the same shape, once runs of variables are folded.
    private void SameShape()
    {
        var byShape = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (id, shape) in _shapes.ToList())
        {
            var constants = Constants(shape);
            if (constants == 0)
            {
                continue;
            }

            var key = Key(shape);
            if (byShape.TryGetValue(key, out var first))
            {
                Union(first, id, shape);
            }
            else
            {
                byShape[key] = id;
            }
        }
    }

    // Rules 2 and 3: every shape is filed under itself (as a general member) and under each of its constant positions
    // turned variable (as a specific member, with the value it had there).
    private bool OneVaryingPosition()
    {
        var groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        foreach (var (id, shape) in _shapes)
        {
            var constants = Constants(shape);
            if (constants > MinimumConstants)
            {
                for (var p = 0; p < shape.Length; p++)
                {
                    // A token with a variable in it (/v2/*/servers, uid=*) may take many forms as well as a word.
                    if (shape[p] == VariableToken || ShapeSplitter.IsBare(shape[p]))
                    {
                        continue;
                    }

                    var general = (string[])shape.Clone();
                    general[p] = VariableToken;
                    var folded = Fold(general);
                    var key = Key(folded);
                    if (!groups.TryGetValue(key, out var group))
                    {
                        groups[key] = group = new Group(folded);
                    }

                    group.Specific.Add((id, shape, shape[p], folded.Length == shape.Length));
                }
            }
        }

        // Every shape that is itself a group's shape holds that group's specific members.
        foreach (var (id, shape) in _shapes)
        {
            if (Constants(shape) >= MinimumConstants && groups.TryGetValue(Key(shape), out var own))
            {
                own.General.Add((id, shape));
            }
        }

        var changed = false;
        foreach (var group in groups.Values)
        {
            var distinct = group.Specific.Select(s => s.Value).Distinct(StringComparer.Ordinal).Count();
            var holds = group.General.Count > 0 && group.Specific.Exists(s => s.SameLength);
            if (distinct < DistinctValues && !holds)
            {
                continue;
            }

            // Members whose shape changed earlier in this round are left for the next.
            var members = new List<int>();
            foreach (var (id, shape) in group.General.Concat(group.Specific.Where(s => distinct >= DistinctValues || s.SameLength).Select(s => (s.Id, s.Shape))))
            {
                var root = Find(id);
                if (root == id && _shapes.TryGetValue(id, out var current) && ReferenceEquals(current, shape) && !members.Contains(id))
                {
                    members.Add(id);
                }
            }

            if (members.Count < 2)
            {
                continue;
            }

            for (var i = 1; i < members.Count; i++)
            {
                Union(members[0], members[i], group.Shape);
            }

            changed = true;
        }

        return changed;
    }

    // The ids follow the order in which the templates first appear.
    private MinedBatch Result(int[] clusterOf, string[]?[] tokensOf)
    {
        var ids = new int[clusterOf.Length];
        var idOf = new Dictionary<int, int>();
        var members = new List<List<int>>();
        for (var i = 0; i < clusterOf.Length; i++)
        {
            if (clusterOf[i] < 0)
            {
                ids[i] = -1;
                continue;
            }

            var key = Find(clusterOf[i]);
            if (!idOf.TryGetValue(key, out var id))
            {
                idOf[key] = id = members.Count + 1;
                members.Add([]);
            }

            ids[i] = id;
            members[id - 1].Add(i);
        }

        var texts = new List<string>(members.Count);
        foreach (var list in members)
        {
            texts.Add(Text(list, tokensOf, _shapes[Find(clusterOf[list[0]])]));
        }

        return new MinedBatch(ids, texts);
    }

    // The members' tokens folded position by position when they have one length, else the shape.
    private static string Text(List<int> messages, string[]?[] tokensOf, string[] shape)
    {
        var first = tokensOf[messages[0]]!;
        if (messages.TrueForAll(i => tokensOf[i]!.Length == first.Length))
        {
            var tokens = (string[])first.Clone();
            foreach (var i in messages)
            {
                var other = tokensOf[i]!;
                for (var p = 0; p < tokens.Length; p++)
                {
                    if (!ReferenceEquals(tokens[p], TemplateMiner.Wildcard) && tokens[p] != other[p])
                    {
                        tokens[p] = TemplateMiner.Wildcard;
                    }
                }
            }

            return LogMasker.Join(tokens);
        }

        var text = new StringBuilder();
        foreach (var token in shape)
        {
            text.Append(text.Length == 0 ? string.Empty : " ").Append(token.Replace(VariableToken, TemplateMiner.Wildcard, StringComparison.Ordinal));
        }

        return text.ToString();
    }

    private static string[] ShapeOf(IReadOnlyList<string> tokens)
    {
        var shape = new string[tokens.Count];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = LogMasker.Shape(tokens[i]);
        }

        return Fold(shape);
    }

    // Runs of whole-token variables folded into one.
    private static string[] Fold(string[] shape)
    {
        var folded = new List<string>(shape.Length);
        foreach (var token in shape)
        {
            if (token == VariableToken && folded.Count > 0 && folded[^1] == VariableToken)
            {
                continue;
            }

            folded.Add(token);
        }

        return folded.Count == shape.Length ? shape : [.. folded];
    }

    private static int Constants(string[] shape)
    {
        var count = 0;
        foreach (var token in shape)
        {
            count += IsConstant(token) ? 1 : 0;
        }

        return count;
    }

    // A token with no variable in it: uid=<NUM> is not one, an optional key=value does not tell events apart.
    private static bool IsConstant(string token) => !token.Contains(LogMasker.Variable, StringComparison.Ordinal);

    private static string Key(string[] shape) => string.Join('\u0002', shape);

    private int Find(int id)
    {
        while (_parent[id] != id)
        {
            _parent[id] = _parent[_parent[id]];
            id = _parent[id];
        }

        return id;
    }

    private void Union(int a, int b, string[] shape)
    {
        var ra = Find(a);
        var rb = Find(b);
        if (ra == rb)
        {
            return;
        }

        var (keep, drop) = ra < rb ? (ra, rb) : (rb, ra);
        _parent[drop] = keep;
        _shapes.Remove(drop);
        _shapes[keep] = shape;
    }

    private sealed class Group(string[] shape)
    {
        public string[] Shape { get; } = shape;

        public List<(int Id, string[] Shape, string Value, bool SameLength)> Specific { get; } = [];

        public List<(int Id, string[] Shape)> General { get; } = [];
    }
}
