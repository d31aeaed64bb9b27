namespace Mesh.Heal.Healing;

/// <summary>What merges the same finding across runs and sidecars into one issue: agent, service, kind and subject.</summary>
/// <remarks>Written <c>agent/service/kind/subject</c>; the subject may itself hold <c>/</c> (an edge), the other parts never do.</remarks>
/// <param name="Agent">The agent that reported it.</param>
/// <param name="Service">The service it is about.</param>
/// <param name="Kind">The finding's kind.</param>
/// <param name="Subject">The finding's subject; may be empty.</param>
public readonly record struct IssueFingerprint(string Agent, string Service, string Kind, string Subject)
{
    /// <summary>Reads <c>agent/service/kind/subject</c>.</summary>
    /// <exception cref="FormatException"><paramref name="text"/> has fewer than four parts.</exception>
    public static IssueFingerprint Parse(string text)
    {
        var a = text.IndexOf('/', StringComparison.Ordinal);
        var s = a < 0 ? -1 : text.IndexOf('/', a + 1);
        var k = s < 0 ? -1 : text.IndexOf('/', s + 1);
        return k < 0
            ? throw new FormatException($"'{text}' is not an issue fingerprint; accepted: agent/service/kind/subject")
            : new IssueFingerprint(text[..a], text[(a + 1)..s], text[(s + 1)..k], text[(k + 1)..]);
    }

    /// <summary><c>agent/service/kind/subject</c>, as stored.</summary>
    public override string ToString() => $"{Agent}/{Service}/{Kind}/{Subject}";
}
