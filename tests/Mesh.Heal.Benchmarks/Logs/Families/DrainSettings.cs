namespace Mesh.Heal.Benchmarks.Logs.Families;

/// <summary>Drain's parameters: the masking regexes applied before tokenising, the similarity threshold, the tree depth
/// and the most children a node keeps.</summary>
/// <param name="Regexes">Each match is replaced by <c>&lt;*&gt;</c> before the line is split on whitespace.</param>
/// <param name="Similarity">st: the share of a template's tokens a line must equal to join it.</param>
/// <param name="Depth">The tree's depth counting the root and the leaves (4: root, token count, first token, leaves).</param>
/// <param name="MaxChild">The most children an internal node takes before new tokens go to its <c>&lt;*&gt;</c> child.</param>
internal sealed record DrainSettings(string[] Regexes, double Similarity = 0.5, int Depth = 4, int MaxChild = 100)
{
    /// <summary>IPv4 with an optional port, as the LogPAI benchmark masks for most systems.</summary>
    public const string Ip = @"(\d+\.){3}\d+(:\d+)?";

    /// <summary>A stand-alone number (signed), or digits ending the line: the generic number rule of the LogPAI settings.</summary>
    public const string Number = @"(?<=[^A-Za-z0-9])(\-?\+?\d+)(?=[^A-Za-z0-9])|[0-9]+$";

    /// <summary>The settings with no knowledge of the system: IPs and numbers masked, st 0.5, depth 4 (Drain's defaults).</summary>
    public static DrainSettings Generic { get; } = new([Ip, Number]);
}
