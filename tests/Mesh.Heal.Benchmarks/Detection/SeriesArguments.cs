using System.Globalization;

namespace Mesh.Heal.Benchmarks.Detection;

/// <summary>The arguments of the benchmarks on generated series: <c>--series n</c>, <c>--seed n</c>, <c>--json file</c>.</summary>
internal sealed record SeriesArguments(int Series, int Seed, string? Json)
{
    /// <summary>Parses <paramref name="args"/>; null, with the error written, when one is not accepted.</summary>
    public static async Task<SeriesArguments?> ParseAsync(string command, ReadOnlyMemory<string> args, int defaultSeries, int minimumSeries = 1)
    {
        var series = defaultSeries;
        var seed = 1;
        string? json = null;
        for (var i = 0; i < args.Length; i++)
        {
            var a = args.Span;
            switch (a[i])
            {
                case "--series" when i + 1 < a.Length && int.TryParse(a[i + 1], CultureInfo.InvariantCulture, out series) && series >= minimumSeries:
                case "--seed" when i + 1 < a.Length && int.TryParse(a[i + 1], CultureInfo.InvariantCulture, out seed):
                    i++;
                    break;
                case "--json" when i + 1 < a.Length:
                    json = a[++i];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"{command}: '{a[i]}' is not accepted; accepted: --series <n, default {defaultSeries}>, --seed <n, default 1>, --json <file>");
                    return null;
            }
        }

        return new SeriesArguments(series, seed, json);
    }
}
