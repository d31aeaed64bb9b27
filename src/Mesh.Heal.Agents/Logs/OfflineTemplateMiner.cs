using Mesh.Heal.Agents.Logs.Internal;

namespace Mesh.Heal.Agents.Logs;

/// <summary>Mines a whole batch of messages at once (a file, for <c>meshctl analyze logs --lines</c>): the online miner's
/// pass, then merges that need every line to have been read.</summary>
/// <remarks>
/// <para>
/// Three steps, none tuned per system. The online pass is <see cref="TemplateMiner"/>'s Drain-style tree over masked tokens
/// (<see cref="LogMasker"/>). Its clusters are then split where Drain's positional similarity joined lines whose tokens do
/// not line up (a frequent word that moved) or that differ in a word that is not a value: a position is a value where it
/// takes many words across the cluster (Brain, Yu et al., ICDE 2023) or, for one word, where the line is long (Drain's
/// similarity). Last, clusters are merged where the whole batch shows they are one event: the same constant tokens with a
/// different number of variables between them (a field of variable length, an optional size in parentheses), and one
/// position that takes many values across otherwise equal clusters (Drain's tree splits on its prefix token before it
/// compares). Cost is linear in the messages and in the clusters' tokens.
/// </para>
/// <para>Ids are consistent within one call only; the agent's online use keeps <see cref="TemplateMiner"/>'s stable ids.</para>
/// </remarks>
public static class OfflineTemplateMiner
{
    /// <summary>Mines <paramref name="messages"/>; a null or blank message gets no template.</summary>
    public static MinedBatch Mine(IReadOnlyList<string?> messages, TemplateMinerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var miner = new TemplateMiner(options);
        var tokens = new List<string>();
        var clusterOf = new int[messages.Count];
        var tokensOf = new string[]?[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (string.IsNullOrWhiteSpace(message))
            {
                clusterOf[i] = -1;
                continue;
            }

            LogMasker.Tokenize(message, tokens);
            clusterOf[i] = miner.Add(tokens).Id;
            tokensOf[i] = [.. tokens];
        }

        var (refined, clusters) = ShapeSplitter.Split(clusterOf, tokensOf);
        return new ClusterMerger(clusters).Merge(refined, tokensOf);
    }
}

/// <summary>What <see cref="OfflineTemplateMiner.Mine"/> found: each message's template id (-1 for none) and the templates.</summary>
/// <param name="Ids">Each message's template id, from 1, or -1 when it had none.</param>
/// <param name="Templates">The template of each id, at index id - 1.</param>
public sealed record MinedBatch(IReadOnlyList<int> Ids, IReadOnlyList<string> Templates);
