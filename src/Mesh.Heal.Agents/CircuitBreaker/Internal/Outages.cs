namespace Mesh.Heal.Agents.CircuitBreaker.Internal;

/// <summary>A stretch of history in which most attempts failed.</summary>
/// <param name="Start">The first failing second.</param>
/// <param name="End">The first second of the healthy run that ended it; null while it goes on.</param>
internal sealed record Outage(DateTimeOffset Start, DateTimeOffset? End)
{
    public TimeSpan Duration(DateTimeOffset now) => (End ?? now) - Start;
}

/// <summary>Finds outages in per-second history.</summary>
internal static class Outages
{
    /// <summary>Healthy seconds in a row that end an outage, so one lucky second inside it does not split it.</summary>
    private const int HealthyRunToEnd = 3;

    /// <summary>Merges the samples of several edges into one per-second series.</summary>
    public static IReadOnlyList<EdgeSample> Merge(IEnumerable<IReadOnlyList<EdgeSample>> series) =>
        series.SelectMany(s => s)
            .GroupBy(s => s.Time)
            .Select(g => new EdgeSample(g.Key, g.Sum(s => s.Attempts), g.Sum(s => s.Failures)))
            .OrderBy(s => s.Time)
            .ToList();

    /// <summary>Every run of seconds failing at <paramref name="failingRatio"/> or more that lasted at least <paramref name="minimum"/>, and the one going on.</summary>
    /// <remarks>Seconds without attempts neither start nor end an outage: under a forced fallback nothing is sent, which says nothing about the upstream.</remarks>
    public static IReadOnlyList<Outage> Find(IReadOnlyList<EdgeSample> samples, double failingRatio, TimeSpan minimum)
    {
        var found = new List<Outage>();
        DateTimeOffset? start = null;
        DateTimeOffset? firstHealthy = null;
        var healthy = 0;
        foreach (var s in samples)
        {
            if (s.Attempts == 0)
            {
                continue;
            }

            var failing = (double)s.Failures / s.Attempts >= failingRatio;
            if (failing)
            {
                start ??= s.Time;
                healthy = 0;
                firstHealthy = null;
            }
            else if (start is not null)
            {
                firstHealthy ??= s.Time;
                if (++healthy >= HealthyRunToEnd)
                {
                    Add(start.Value, firstHealthy);
                    start = null;
                    firstHealthy = null;
                    healthy = 0;
                }
            }
        }

        if (start is not null)
        {
            found.Add(new Outage(start.Value, null));
        }

        return found;

        void Add(DateTimeOffset from, DateTimeOffset? to)
        {
            if (to - from >= minimum)
            {
                found.Add(new Outage(from, to));
            }
        }
    }
}
