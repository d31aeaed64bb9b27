using System.Globalization;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Cli.Analyze;

/// <summary>Reads <c>timestamp,value</c> rows: ISO 8601 or Unix seconds (milliseconds when the number is that large), an
/// optional header, blank lines and <c>#</c> comments skipped.</summary>
/// <remarks>A malformed row is dropped and counted, with the first few problems kept to report: one bad line in a long
/// export should not lose the rest. Rows are returned sorted by time, with their timestamps as written.</remarks>
internal sealed record SeriesCsv(IReadOnlyList<SeriesPoint> Points, IReadOnlyList<string> Stamps, int Dropped, IReadOnlyList<string> Problems)
{
    private const int KeptProblems = 5;

    public static SeriesCsv Read(TextReader reader)
    {
        var rows = new List<(SeriesPoint Point, string Stamp)>();
        var problems = new List<string>();
        var dropped = 0;
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }

            var comma = text.IndexOf(',', StringComparison.Ordinal);
            var stamp = comma < 0 ? text : text[..comma].Trim().Trim('"');
            var value = comma < 0 ? string.Empty : text[(comma + 1)..].Split(',')[0].Trim().Trim('"');
            var hasValue = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v);
            if (TryTime(stamp, out var time) && hasValue)
            {
                rows.Add((new SeriesPoint(time, v), stamp));
                continue;
            }

            if (rows.Count == 0 && dropped == 0 && !hasValue && !TryTime(stamp, out _))
            {
                continue; // the header
            }

            dropped++;
            if (problems.Count < KeptProblems)
            {
                problems.Add($"line {number}: '{Shorten(text)}' is not 'timestamp,value' (timestamp: ISO 8601 or Unix seconds; value: a number)");
            }
        }

        rows.Sort((a, b) => a.Point.Time.CompareTo(b.Point.Time));
        return new SeriesCsv(rows.Select(r => r.Point).ToList(), rows.Select(r => r.Stamp).ToList(), dropped, problems);
    }

    /// <summary>Writes the drop count and the first problems to <paramref name="error"/>, when there were any.</summary>
    public async Task ReportDroppedAsync(string command, TextWriter error)
    {
        if (Dropped == 0)
        {
            return;
        }

        await error.WriteLineAsync($"{command}: {Dropped} malformed row(s) dropped");
        foreach (var problem in Problems)
        {
            await error.WriteLineAsync("  " + problem);
        }
    }

    private static bool TryTime(string text, out DateTimeOffset time)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var unix) && double.IsFinite(unix) && Math.Abs(unix) < 1e15)
        {
            time = DateTimeOffset.UnixEpoch.AddMilliseconds(Math.Abs(unix) >= 1e11 ? unix : unix * 1000);
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
