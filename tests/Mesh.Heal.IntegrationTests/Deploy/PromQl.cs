using System.Text.RegularExpressions;

namespace Mesh.Heal.IntegrationTests.Deploy;

/// <summary>The metric names a PromQL expression reads, found without a full parser: strings, label matchers, range and
/// grouping lists are removed, then every identifier left that is not a function call, a keyword or a number is a metric.</summary>
internal static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan",
    };

    /// <summary>The metric names in <paramref name="expression"/>, in order of first appearance.</summary>
    public static IReadOnlyList<string> MetricNames(string expression)
    {
        // A selector written as {__name__="x"} names its metric in a string; read it before strings are removed.
        var named = NameMatcher().Matches(expression).Select(m => m.Groups[1].Value);
        var text = StringLiteral().Replace(expression, " ");
        text = Matchers().Replace(text, " ");
        text = Range().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        text = Offset().Replace(text, " ");
        var names = Identifier().Matches(text)
            .Where(m => !m.Groups["call"].Success && !Keywords.Contains(m.Groups["name"].Value))
            .Select(m => m.Groups["name"].Value);
        return named.Concat(names).Distinct(StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'|`[^`]*`")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^{}]*__name__\s*=\s*(?:""([^""]*)"")")]
    private static partial Regex NameMatcher();

    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\[\]]*\]")]
    private static partial Regex Range();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\boffset\s+-?[0-9a-z]+", RegexOptions.IgnoreCase)]
    private static partial Regex Offset();

    [GeneratedRegex(@"(?<![\w:.$])(?<name>[A-Za-z_:][A-Za-z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();
}
