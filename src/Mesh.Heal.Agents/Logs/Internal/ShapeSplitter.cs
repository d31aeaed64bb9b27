namespace Mesh.Heal.Agents.Logs.Internal;

/// <summary>Splits the online miner's clusters where its positional merge joined lines whose tokens do not line up.</summary>
/// <remarks>
/// Drain compares lines of one length position by position, so a line with an optional field early and another with one
/// late ("1190 bytes (1.16 KB) sent, 200 bytes received" and "119 bytes sent, 2000 bytes (1.95 KB) received") can pass its
/// similarity although a constant of one sits, in the other, at another position. Within a cluster, lines are grouped by
/// their shape, and shapes are joined again unless a constant at a position where they differ is found elsewhere in the
/// other: a word against a variable is a value ("user alice" and "user 42"), a word that moved is
/// a misalignment. A word against another word is a value where the cluster's position takes many words (Brain's idea) or,
/// for one such position, where the line is long (Drain's); otherwise it is left to the merger. Only the cluster's frequent words count as moved (in <see cref="FrequentShare"/> of its lines or more):
/// free text of a small vocabulary repeats words at other positions without being misaligned. The rejoining is leader-based: each shape is compared with the groups formed so far, not with every shape.
/// </remarks>
internal static class ShapeSplitter
{
    /// <summary>How many frequent words a shape must hold for one word against another to be a value, as Drain's similarity
    /// would have it: in a long line a single word that differs is a parameter more often than another event (Core and
    /// Package temperature above threshold), in a short one less often (Unknown location, Unknown command).</summary>
    internal const int LongLine = 6;

    /// <summary>The share of a cluster's lines a word must be in for its moving to split the cluster.</summary>
    internal const double FrequentShare = 0.8;

    private static readonly string VariableToken = LogMasker.Variable.ToString();

    /// <summary>The refined cluster of every message (-1 for none) and the refined clusters, whose tokens are shapes.</summary>
    public static (int[] ClusterOf, List<LogTemplate> Templates) Split(int[] clusterOf, string[]?[] tokensOf)
    {
        var subs = new Dictionary<(int Cluster, string Key), Sub>();
        var byCluster = new Dictionary<int, List<Sub>>();
        var subOf = new Sub?[clusterOf.Length];
        for (var i = 0; i < clusterOf.Length; i++)
        {
            if (clusterOf[i] < 0)
            {
                continue;
            }

            var tokens = tokensOf[i]!;
            var shape = new string[tokens.Length];
            for (var p = 0; p < shape.Length; p++)
            {
                shape[p] = LogMasker.Shape(tokens[p]);
            }

            var key = (clusterOf[i], string.Join('\u0002', shape));
            if (!subs.TryGetValue(key, out var sub))
            {
                subs[key] = sub = new Sub(shape);
                (byCluster.TryGetValue(clusterOf[i], out var list) ? list : byCluster[clusterOf[i]] = []).Add(sub);
            }

            sub.Count++;
            subOf[i] = sub;
        }

        var templates = new List<LogTemplate> { new(TemplateMiner.OverflowId, ["<overflow>"]) };
        foreach (var list in byCluster.Values)
        {
            bool[]? many = null;
            if (list.Count > 1)
            {
                Frequent(list);
                many = ManyWords(list);
            }

            var leaders = new List<Sub>();
            foreach (var sub in list)
            {
                var leader = leaders.Find(l => Compatible(l, sub, many));
                if (leader is null)
                {
                    leaders.Add(sub);
                    sub.Leader = sub;
                }
                else
                {
                    leader.Absorb(sub);
                    sub.Leader = leader;
                }
            }

            foreach (var leader in leaders)
            {
                leader.Template = new LogTemplate(templates.Count, leader.Shape) { Count = leader.Count };
                templates.Add(leader.Template);
            }
        }

        var refined = new int[clusterOf.Length];
        for (var i = 0; i < refined.Length; i++)
        {
            refined[i] = subOf[i] is { } sub ? sub.Leader!.Template!.Id : -1;
        }

        return (refined, templates);
    }

    // Keeps in each shape's constants only the words in FrequentShare of the cluster's lines.
    private static void Frequent(List<Sub> subs)
    {
        var lines = 0L;
        var presence = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var sub in subs)
        {
            lines += sub.Count;
            foreach (var token in sub.Constants)
            {
                presence[token] = presence.GetValueOrDefault(token) + sub.Count;
            }
        }

        foreach (var sub in subs)
        {
            sub.Constants.RemoveWhere(t => presence[t] < FrequentShare * lines);
        }
    }

    // Whether each position takes ClusterMerger.DistinctValues words or more across the cluster: only there is a word
    // against another word a value rather than two events' constants.
    private static bool[] ManyWords(List<Sub> subs)
    {
        var length = subs[0].Shape.Length;
        var many = new bool[length];
        var values = new HashSet<string>(StringComparer.Ordinal);
        for (var p = 0; p < length; p++)
        {
            values.Clear();
            foreach (var sub in subs)
            {
                var token = sub.Shape[p];
                if (token != VariableToken && values.Add(token) && values.Count >= ClusterMerger.DistinctValues)
                {
                    many[p] = true;
                    break;
                }
            }
        }

        return many;
    }

    private static bool Compatible(Sub leader, Sub sub, bool[]? many)
    {
        var words = 0;
        for (var p = 0; p < leader.Shape.Length; p++)
        {
            var a = leader.Shape[p];
            var b = sub.Shape[p];
            if (a == b)
            {
                continue;
            }

            // A token with a variable in it (/v2/*/servers, LOGIN(uid=*)) counts as a word here: its words may tell events apart.
            var valueA = a == VariableToken;
            var valueB = b == VariableToken;
            if (!valueA && !valueB && many?[p] != true && IsConstant(a) && IsConstant(b) && !IsBare(a) && !IsBare(b))
            {
                words++;
                continue;
            }

            if ((!valueA && !valueB && (many?[p] != true || IsBare(a) || IsBare(b)))
                || (!valueA && valueB && (IsBare(a) || Moved(a, p, leader, sub)))
                || (!valueB && valueA && (IsBare(b) || Moved(b, p, sub, leader))))
            {
                return false;
            }
        }

        return words == 0 || (words == 1 && leader.Constants.Count >= LongLine);
    }

    // Whether the frequent word at p in one shape sits elsewhere in the other, where the first has not got it.
    private static bool Moved(string word, int p, Sub from, Sub other)
    {
        if (!other.Constants.Contains(word))
        {
            return false;
        }

        for (var q = 0; q < other.Shape.Length; q++)
        {
            if (q != p && other.Shape[q] == word && from.Shape[q] != word)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="token"/> is punctuation alone ("()", "-"): an empty field, not a value's form.</summary>
    internal static bool IsBare(string token)
    {
        foreach (var c in token)
        {
            if (char.IsLetterOrDigit(c) || c == LogMasker.Variable)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsConstant(string token) => !token.Contains(LogMasker.Variable, StringComparison.Ordinal);

    private sealed class Sub
    {
        public Sub(string[] shape)
        {
            Shape = shape;
            Constants = ConstantsOf(shape);
        }

        public string[] Shape { get; private set; }

        public HashSet<string> Constants { get; }

        public long Count { get; set; }

        public Sub? Leader { get; set; }

        public LogTemplate? Template { get; set; }

        // The leader's shape takes a variable wherever the absorbed one differs.
        public void Absorb(Sub other)
        {
            Count += other.Count;
            var changed = false;
            for (var p = 0; p < Shape.Length; p++)
            {
                if (Shape[p] != other.Shape[p] && Shape[p] != VariableToken)
                {
                    Shape[p] = VariableToken;
                    changed = true;
                }
            }

            if (changed)
            {
                Constants.IntersectWith(ConstantsOf(Shape));
            }
        }

        private static HashSet<string> ConstantsOf(string[] shape)
        {
            var constants = new HashSet<string>(StringComparer.Ordinal);
            foreach (var token in shape)
            {
                if (IsConstant(token))
                {
                    constants.Add(token);
                }
            }

            return constants;
        }
    }
}
