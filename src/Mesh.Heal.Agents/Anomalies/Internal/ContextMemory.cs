namespace Mesh.Heal.Agents.Anomalies.Internal;

/// <summary>The context memory of <see cref="ContextualAnomalyDetector"/>: contexts are pairs of fact sets (what was
/// seen before, what came next), each split into a left and a right semi-context so that contexts sharing a side share it
/// in memory, as in Smirnov's Contextual Anomaly Detector (open-source edition, NAB's <c>context_ose</c>).</summary>
/// <remarks>
/// The reference walks every semi-context each step; only those that share a fact with the input can have a non-empty
/// crossing, so this walks just those, in creation order, which gives the same result at a cost that does not grow with
/// the memory. Ties the reference breaks by Python's tuple hashes are broken here by the semi-contexts' ids (deterministic).
/// </remarks>
internal sealed class ContextMemory(int maxLeftSemiContextLength)
{
    private readonly Side[] _sides = [new Side(), new Side()];
    private readonly List<Context> _contexts = [];

    // The reference keeps "False" here and compares it with context ids, and False == 0 in Python: context 0 is skipped
    // whenever no zero-level context was just created. Kept, so that the port scores what the reference scores.
    private int _newContextId;

    /// <summary>Stores a zero-level context (left facts, then the sensor facts that followed); true when it is new.</summary>
    public bool AddZeroLevel(long[] left, long[] right)
    {
        var (context, added) = Find(left, right);
        if (added)
        {
            context.ZeroLevel = true;
            _newContextId = context.Id;
            return true;
        }

        context.ZeroLevel = true;
        return false;
    }

    /// <summary>Stores the potential new contexts; returns how many were new.</summary>
    public int Add(List<(long[] Left, long[] Right)> contexts)
    {
        var added = 0;
        foreach (var (left, right) in contexts)
        {
            added += Find(left, right).Added ? 1 : 0;
        }

        return added;
    }

    /// <summary>Crosses the current sensor facts with the right semi-contexts and updates every context whose left side
    /// fully matched the previous step: returns the active contexts, how many were selected, and the potential new ones.</summary>
    public (List<Context> Active, int Selected, List<(long[] Left, long[] Right)> Potential) CrossRight(long[] facts, bool newContext)
    {
        Cross(_sides[1], facts);
        var active = new List<Context>();
        var selected = 0;
        var potential = new List<(long[] Left, long[] Right)>();
        foreach (var left in _sides[0].Crossed)
        {
            foreach (var contextId in left.Contexts.Values)
            {
                if (_newContextId == contextId)
                {
                    continue;
                }

                var context = _contexts[contextId];
                var right = _sides[1].All[context.RightId];
                if (left.Length == left.CrossedCount)
                {
                    selected++;
                    context.Seen += right.Length;
                    if (right.CrossedCount > 0)
                    {
                        context.Matched += right.CrossedCount;
                        if (right.Length == right.CrossedCount)
                        {
                            context.Activations++;
                            active.Add(context);
                        }
                        else if (context.ZeroLevel && newContext && left.CrossedCount <= maxLeftSemiContextLength)
                        {
                            potential.Add(([.. left.CrossedFacts], [.. right.CrossedFacts]));
                        }
                    }
                }
                else if (context.ZeroLevel && newContext && right.CrossedCount > 0 && left.CrossedCount <= maxLeftSemiContextLength)
                {
                    potential.Add(([.. left.CrossedFacts], [.. right.CrossedFacts]));
                }
            }
        }

        _newContextId = 0;
        return (active, selected, potential);
    }

    /// <summary>Crosses the left facts (sensor facts and active contexts) with the left semi-contexts and returns the facts
    /// the best-predicting fully matched contexts expect next.</summary>
    public HashSet<long> CrossLeft(long[] facts)
    {
        var best = 0.0;
        var predicting = new List<Context>();
        Cross(_sides[0], facts);
        foreach (var left in _sides[0].Crossed)
        {
            if (left.Length != left.CrossedCount)
            {
                continue;
            }

            foreach (var contextId in left.Contexts.Values)
            {
                var context = _contexts[contextId];
                var weight = context.Seen > 0 ? context.Matched / (double)context.Seen : 0.0;
                if (weight > best)
                {
                    best = weight;
                    predicting.Clear();
                    predicting.Add(context);
                }
                else if (weight == best)
                {
                    predicting.Add(context);
                }
            }
        }

        var predictions = new HashSet<long>();
        foreach (var context in predicting)
        {
            predictions.UnionWith(context.RightFacts);
        }

        return predictions;
    }

    private static void Cross(Side side, long[] facts)
    {
        foreach (var semi in side.Crossed)
        {
            semi.CrossedFacts.Clear();
            semi.CrossedCount = 0;
        }

        var touched = new List<SemiContext>();
        foreach (var fact in facts)
        {
            if (side.ByFact.TryGetValue(fact, out var semis))
            {
                foreach (var semi in semis)
                {
                    if (semi.CrossedFacts.Count == 0)
                    {
                        touched.Add(semi);
                    }

                    semi.CrossedFacts.Add(fact);
                }
            }
        }

        // The reference lists crossed semi-contexts in creation order.
        touched.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        foreach (var semi in touched)
        {
            semi.CrossedCount = semi.CrossedFacts.Count;
        }

        side.Crossed = touched;
    }

    private (Context Context, bool Added) Find(long[] left, long[] right)
    {
        var leftSemi = _sides[0].GetOrAdd(left);
        var rightSemi = _sides[1].GetOrAdd(right);
        if (leftSemi.Contexts.TryGetValue(rightSemi.Id, out var id))
        {
            return (_contexts[id], false);
        }

        var context = new Context(_contexts.Count, leftSemi.Id, rightSemi.Id, right);
        _contexts.Add(context);
        leftSemi.Contexts[rightSemi.Id] = context.Id;
        return (context, true);
    }

    /// <summary>A context: how often its left side fully matched (weighted by its right side's size), how much of its
    /// right side then followed, and how often all of it did.</summary>
    internal sealed class Context(int id, int leftId, int rightId, long[] rightFacts)
    {
        public int Id { get; } = id;

        public int LeftId { get; } = leftId;

        public int RightId { get; } = rightId;

        public long[] RightFacts { get; } = rightFacts;

        public long Seen { get; set; }

        public long Matched { get; set; }

        public long Activations { get; set; }

        public bool ZeroLevel { get; set; }
    }

    private sealed class SemiContext(int id, int length)
    {
        public int Id { get; } = id;

        public int Length { get; } = length;

        public List<long> CrossedFacts { get; } = [];

        public int CrossedCount { get; set; }

        // Right semi-context id → context id, in insertion order (Dictionary keeps it while nothing is removed).
        public Dictionary<int, int> Contexts { get; } = [];
    }

    private sealed class Side
    {
        private readonly Dictionary<long[], SemiContext> _byFacts = new(FactsComparer.Instance);

        public List<SemiContext> All { get; } = [];

        public Dictionary<long, List<SemiContext>> ByFact { get; } = [];

        public List<SemiContext> Crossed { get; set; } = [];

        public SemiContext GetOrAdd(long[] facts)
        {
            if (_byFacts.TryGetValue(facts, out var semi))
            {
                return semi;
            }

            semi = new SemiContext(All.Count, facts.Length);
            _byFacts[facts] = semi;
            All.Add(semi);
            foreach (var fact in facts)
            {
                if (!ByFact.TryGetValue(fact, out var list))
                {
                    ByFact[fact] = list = [];
                }

                list.Add(semi);
            }

            return semi;
        }
    }
}
