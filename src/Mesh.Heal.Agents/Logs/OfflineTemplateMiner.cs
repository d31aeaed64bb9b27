using Mesh.Heal.Agents.Logs.Internal;

namespace Mesh.Heal.Agents.Logs;

/// <summary>Mines a whole batch of messages at once (a file, for <c>meshctl analyze logs --lines</c>): the online miner's
/// pass, then merges that need every line to have been read.</summary>
/// <remarks>
/// <para>
/// The online pass is <see cref="TemplateMiner"/>'s Drain-style tree. Its clusters are then merged where the whole batch shows
/// they are one event: clusters whose constant tokens are the same sequence and which differ only in how many variable
/// tokens they hold (a field of variable length), and clusters that differ in one constant position that takes many values
/// across them (a word that is a variable: a user, a host, a state), the frequency idea of Brain (Yu et al., ICDE 2023) and
/// of post-hoc template merging (Drain's tree splits on its prefix token before it compares). Nothing here is tuned per
/// system. Cost is linear in the messages and in the clusters' tokens.
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
