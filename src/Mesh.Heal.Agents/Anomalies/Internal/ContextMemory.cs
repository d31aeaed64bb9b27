namespace Mesh.Heal.Agents.Anomalies.Internal;

/// <summary>The context memory of <see cref="ContextualAnomalyDetector"/>: contexts are pairs of fact sets (what was
/// seen before, what came next), each split into a left and a right semi-context so that contexts sharing a side share it
/// in memory, as in Smirnov's Contextual Anomaly Detector (open-source edition, NAB's <c>context_ose</c>).</summary>
/// <remarks>
/// The reference walks every semi-context each step; only those that share a fact with the input can have a non-empty
/// crossing, so this walks just those (counting shared facts, building the shared fact lists only for the potential new
/// contexts), and only the fully matched left semi-contexts when no new zero-level context was stored, where the others
/// can do nothing. The order of the potential new contexts (and so of context ids) may differ from the reference's, and
/// ties the reference breaks by Python's tuple hashes are broken here by ids: deterministic, not bit-identical.
/// </remarks>
internal sealed class ContextMemory(int maxLeftSemiContextLength)
{
    private readonly Side[] _sides = [new Side(), new Side()];
    private readonly List<Context> _contexts = [];

    // The reference keeps "False" here and compares it with context ids, and False == 0 in Python: context 0 is skipped
    // whenever no zero-level context was just created. Kept, so that the port scores what the reference scores.
    private int _newContextId;

    /// <summary>How many contexts the memory holds.</summary>
    public int Count => _contexts.Count;

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
        var rights = _sides[1];
        Cross(rights, facts);
        var lefts = _sides[0];
        var active = new List<Context>();
        var selected = 0;
        var potential = new List<(long[] Left, long[] Right)>();
        foreach (var left in lefts.Full)
        {
            foreach (var contextId in left.Contexts.Values)
            {
                if (_newContextId == contextId)
                {
                    continue;
                }

                var context = _contexts[contextId];
                var right = rights.All[context.RightId];
                var crossed = rights.Count(right);
                selected++;
                context.Seen += right.Length;
                if (crossed > 0)
                {
                    context.Matched += crossed;
                    if (right.Length == crossed)
                    {
                        context.Activations++;
                        active.Add(context);
                    }
                    else if (context.ZeroLevel && newContext && left.Length <= maxLeftSemiContextLength)
                    {
                        potential.Add((lefts.Crossing(left), rights.Crossing(right)));
                    }
                }
            }
        }

        if (newContext)
        {
            // Only a zero-level context whose left side partly matched and whose right side partly followed spawns one.
            foreach (var left in lefts.Partial)
            {
                foreach (var contextId in left.Contexts.Values)
                {
                    if (_newContextId == contextId)
                    {
                        continue;
                    }

                    var context = _contexts[contextId];
                    if (context.ZeroLevel)
                    {
                        var right = rights.All[context.RightId];
                        if (rights.Count(right) > 0)
                        {
                            potential.Add((lefts.Crossing(left), rights.Crossing(right)));
                        }
                    }
                }
            }
        }

        _newContextId = 0;
        return (active, selected, potential);
    }

    /// <summary>Crosses the left facts (sensor facts and active contexts) with the left semi-contexts and returns the
    /// sensor facts the best-predicting fully matched contexts expect next, as a mask of their offsets from
    /// <paramref name="sensorBase"/> (right sides hold sensor facts only).</summary>
    public ulong CrossLeft(long[] facts, long sensorBase)
    {
        var best = 0.0;
        var predictions = 0UL;
        var lefts = _sides[0];
        Cross(lefts, facts);
        lefts.Full.Clear();
        lefts.Partial.Clear();
        foreach (var left in lefts.Touched)
        {
            if (left.Length != left.CrossedCount)
            {
                if (left.CrossedCount <= maxLeftSemiContextLength)
                {
                    lefts.Partial.Add(left);
                }

                continue;
            }

            lefts.Full.Add(left);
            foreach (var contextId in left.Contexts.Values)
            {
                var context = _contexts[contextId];
                var weight = context.Seen > 0 ? context.Matched / (double)context.Seen : 0.0;
                if (weight > best)
                {
                    best = weight;
                    predictions = context.Mask(sensorBase);
                }
                else if (weight == best)
                {
                    predictions |= context.Mask(sensorBase);
                }
            }
        }

        return predictions;
    }

    // Counts, for every semi-context sharing a fact with the input, how many it shares; the others count 0 (by stamp).
    private static void Cross(Side side, long[] facts)
    {
        side.Step++;
        side.Facts = facts;
        side.Touched.Clear();
        foreach (var fact in facts)
        {
            if (side.ByFact.TryGetValue(fact, out var semis))
            {
                foreach (var semi in semis)
                {
                    if (semi.Stamp != side.Step)
                    {
                        semi.Stamp = side.Step;
                        semi.CrossedCount = 0;
                        side.Touched.Add(semi);
                    }

                    semi.CrossedCount++;
                }
            }
        }
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

        private ulong _mask;

        public ulong Mask(long sensorBase)
        {
            if (_mask == 0)
            {
                foreach (var fact in RightFacts)
                {
                    _mask |= 1UL << (int)(fact - sensorBase);
                }
            }

            return _mask;
        }
    }

    private sealed class SemiContext(int id, long[] facts)
    {
        public int Id { get; } = id;

        public long[] Facts { get; } = facts;

        public int Length => Facts.Length;

        public long Stamp { get; set; }

        public int CrossedCount { get; set; }

        // Right semi-context id → context id, in insertion order (Dictionary keeps it while nothing is removed).
        public Dictionary<int, int> Contexts { get; } = [];
    }

    private sealed class Side
    {
        private readonly Dictionary<long[], SemiContext> _byFacts = new(FactsComparer.Instance);

        public List<SemiContext> All { get; } = [];

        public Dictionary<long, List<SemiContext>> ByFact { get; } = [];

        public long Step { get; set; }

        public long[] Facts { get; set; } = [];

        public List<SemiContext> Touched { get; } = [];

        public List<SemiContext> Full { get; } = [];

        public List<SemiContext> Partial { get; } = [];

        public int Count(SemiContext semi) => semi.Stamp == Step ? semi.CrossedCount : 0;

        // The facts a semi-context shares with the last input, in order (both are sorted).
        public long[] Crossing(SemiContext semi)
        {
            var shared = new long[Count(semi)];
            int i = 0, j = 0, k = 0;
            while (i < semi.Facts.Length && j < Facts.Length && k < shared.Length)
            {
                var c = semi.Facts[i].CompareTo(Facts[j]);
                if (c == 0)
                {
                    shared[k++] = semi.Facts[i];
                    i++;
                    j++;
                }
                else if (c < 0)
                {
                    i++;
                }
                else
                {
                    j++;
                }
            }

            return shared;
        }

        public SemiContext GetOrAdd(long[] facts)
        {
            if (_byFacts.TryGetValue(facts, out var semi))
            {
                return semi;
            }

            semi = new SemiContext(All.Count, facts);
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
