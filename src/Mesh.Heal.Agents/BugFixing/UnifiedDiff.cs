using System.Text;

namespace Mesh.Heal.Agents.BugFixing;

/// <summary>Writes the unified diff (<c>git apply</c> reads it) of a file's change.</summary>
/// <remarks>
/// The change is one hunk from the first line that differs to the last, with three lines of context: a patch the bug fixer
/// writes changes one place, and one hunk over several nearby places is still a valid diff. A file without a final newline
/// gets git's <c>\ No newline at end of file</c> marker.
/// </remarks>
public static class UnifiedDiff
{
    private const int Context = 3;

    /// <summary>The diff of <paramref name="path"/> from <paramref name="before"/> to <paramref name="after"/>; empty when they are the same.</summary>
    public static string Create(string path, string before, string after)
    {
        if (before == after)
        {
            return string.Empty;
        }

        var (a, aFinal) = Lines(before);
        var (b, bFinal) = Lines(after);
        var prefix = 0;
        // Two lines are the same when their text is and neither, or both, lack the final newline.
        bool Same(int i, int j) => a[i] == b[j] && (i == a.Length - 1 && !aFinal) == (j == b.Length - 1 && !bFinal);
        while (prefix < a.Length && prefix < b.Length && Same(prefix, prefix))
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && Same(a.Length - 1 - suffix, b.Length - 1 - suffix))
        {
            suffix++;
        }

        var start = Math.Max(0, prefix - Context);
        var aEnd = Math.Min(a.Length, a.Length - suffix + Context);
        var bEnd = Math.Min(b.Length, b.Length - suffix + Context);
        var diff = new StringBuilder();
        diff.Append("diff --git a/").Append(path).Append(" b/").Append(path).Append('\n');
        diff.Append("--- a/").Append(path).Append('\n');
        diff.Append("+++ b/").Append(path).Append('\n');
        diff.Append("@@ -").Append(Range(start, aEnd - start)).Append(" +").Append(Range(start, bEnd - start)).Append(" @@\n");
        for (var i = start; i < prefix; i++)
        {
            Line(diff, ' ', a[i], i == a.Length - 1 && !aFinal);
        }

        for (var i = prefix; i < a.Length - suffix; i++)
        {
            Line(diff, '-', a[i], i == a.Length - 1 && !aFinal);
        }

        for (var i = prefix; i < b.Length - suffix; i++)
        {
            Line(diff, '+', b[i], i == b.Length - 1 && !bFinal);
        }

        for (var i = a.Length - suffix; i < aEnd; i++)
        {
            Line(diff, ' ', a[i], i == a.Length - 1 && !aFinal);
        }

        return diff.ToString();
    }

    /// <summary>How many lines <paramref name="diff"/> removes and adds, and in how many places (runs of changed lines).</summary>
    public static (int Removed, int Added, int Regions) Size(string diff)
    {
        int removed = 0, added = 0, regions = 0;
        var inRun = false;
        foreach (var line in diff.Split('\n'))
        {
            if (line.StartsWith("---", StringComparison.Ordinal) || line.StartsWith("+++", StringComparison.Ordinal))
            {
                continue;
            }

            var changed = line.StartsWith('-') || line.StartsWith('+');
            removed += line.StartsWith('-') ? 1 : 0;
            added += line.StartsWith('+') ? 1 : 0;
            if (changed && !inRun)
            {
                regions++;
            }

            inRun = changed;
        }

        return (removed, added, regions);
    }

    private static void Line(StringBuilder diff, char mark, string text, bool noNewline)
    {
        diff.Append(mark).Append(text).Append('\n');
        if (noNewline)
        {
            diff.Append("\\ No newline at end of file\n");
        }
    }

    private static string Range(int start, int count) => count == 0 ? $"{start},0" : count == 1 ? $"{start + 1}" : $"{start + 1},{count}";

    private static (string[] Lines, bool FinalNewline) Lines(string text)
    {
        if (text.Length == 0)
        {
            return ([], true);
        }

        var final = text.EndsWith('\n');
        var body = final ? text[..^1] : text;
        return (body.Split('\n'), final);
    }
}
