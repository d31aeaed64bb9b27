namespace Mesh.Heal.Benchmarks.Logs.Families;

/// <summary>One system's logs, message part only: its events (one pattern per logging statement, most frequent first),
/// where they were taken from, and whether the miner may be tuned against it.</summary>
/// <remarks>
/// <para>
/// An event is what a person labelling the log would call one template: a logging statement of the system, with its
/// formatted arguments as variables. Where an argument adds constant words that change what the line says (sshd's
/// "invalid user ", PAM's trailing <c>user=</c>), the two forms are two events, as a labeller would keep them apart.
/// </para>
/// <para>
/// Frequencies are Zipf-like over the listed order (weight 1/rank^<see cref="Skew"/>), so a few events are most of the
/// lines and the last ones appear a handful of times; every event appears at least once. Lines come in runs of one
/// event (<see cref="Burst"/>) and variables recur (<see cref="Locality"/>), as in a contiguous slice of a real log.
/// </para>
/// </remarks>
internal sealed class LogFamily
{
    /// <summary>Short name, also the file name under <c>--write</c>.</summary>
    public required string Name { get; init; }

    /// <summary>What the family imitates.</summary>
    public required string System { get; init; }

    /// <summary>Where the events were taken from: the system's source files or documentation.</summary>
    public required string Source { get; init; }

    /// <summary>Held-out families are measured, never tuned against.</summary>
    public bool HeldOut { get; init; }

    /// <summary>The Zipf exponent of the event frequencies.</summary>
    public double Skew { get; init; } = 1.6;

    /// <summary>The chance a placeholder repeats one of its latest values (hosts, blocks, users recur in a real slice).</summary>
    public double Locality { get; init; } = 0.5;

    /// <summary>The chance a line is the same event as the line before (real logs come in runs).</summary>
    public double Burst { get; init; } = 0.2;

    /// <summary>The event patterns (<see cref="LogFiller"/>'s syntax), most frequent first.</summary>
    public required string[] Events { get; init; }

    /// <summary>Value lists the patterns draw from with <c>{@name}</c>.</summary>
    public IReadOnlyDictionary<string, string[]> Lists { get; init; } = new Dictionary<string, string[]>();

    /// <summary>Drain's settings for this family in the published per-system style (regexes, similarity, depth).</summary>
    public DrainSettings Tuned { get; init; } = DrainSettings.Generic;

    /// <summary>The labelled lines: <paramref name="count"/> messages and the event each was rendered from.</summary>
    public (List<string> Lines, List<int> Labels) Generate(int seed, int count)
    {
        var random = new Random(seed);
        var filler = new LogFiller(random, Lists, Locality);
        var cumulative = new double[Events.Length];
        var total = 0.0;
        for (var e = 0; e < Events.Length; e++)
        {
            total += 1 / Math.Pow(e + 1, Skew);
            cumulative[e] = total;
        }

        var labels = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            if (i > 0 && random.NextDouble() < Burst)
            {
                labels.Add(labels[i - 1]);
                continue;
            }

            var index = Array.BinarySearch(cumulative, random.NextDouble() * total);
            labels.Add(Math.Min(Events.Length - 1, index < 0 ? ~index : index));
        }

        // Every event shows up at least once, in place of a line of the most frequent one, as in a 2k sample of a real log.
        var seen = labels.ToHashSet();
        for (var e = 0; e < Events.Length && count >= Events.Length; e++)
        {
            if (!seen.Contains(e))
            {
                int at;
                do
                {
                    at = random.Next(count);
                }
                while (labels[at] != 0);

                labels[at] = e;
            }
        }

        var lines = new List<string>(count);
        foreach (var label in labels)
        {
            lines.Add(filler.Fill(Events[label]));
        }

        return (lines, labels);
    }
}
