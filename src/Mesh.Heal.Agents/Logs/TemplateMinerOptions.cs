namespace Mesh.Heal.Agents.Logs;

/// <summary>How the template miner groups lines.</summary>
public sealed class TemplateMinerOptions
{
    /// <summary>How many leading tokens route a line down the parse tree before its clusters are compared. Default 1.</summary>
    /// <remarks>Drain's depth minus 2. Tokens with digits or masks route to the wildcard branch. Drain's usual 2 splits a
    /// template whose second word varies without a digit (<c>user alice logged in</c>) into one per value.</remarks>
    public int PrefixTokens { get; set; } = 1;

    /// <summary>The share of a cluster's template tokens a line must match to join it, from 0 to 1. Default 0.5.</summary>
    public double SimilarityThreshold { get; set; } = 0.5;

    /// <summary>The most children of one tree node; past it new tokens route to the wildcard branch. Default 100.</summary>
    public int MaximumChildren { get; set; } = 100;

    /// <summary>The most templates kept; past it a line joins its nearest cluster, or the overflow one. Default 5,000.</summary>
    public int MaximumTemplates { get; set; } = 5000;
}
