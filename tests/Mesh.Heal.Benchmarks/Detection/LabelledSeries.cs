using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Benchmarks.Detection;

/// <summary>An anomaly put into a generated series, by point index: [Start, End].</summary>
internal sealed record Label(string Kind, int Start, int End);

/// <summary>A generated metric series with its labelled anomalies (<see cref="ProductionSeries"/>); the first
/// <paramref name="Probation"/> points are NAB's probation.</summary>
internal sealed record AnomalySeries(string Shape, IReadOnlyList<SeriesPoint> Points, IReadOnlyList<Label> Labels, int Probation);

/// <summary>A generated resource series, what it is, and (for a leak) when its limit would truly be reached.</summary>
/// <param name="Kind">leak, sawtooth, warm-up, step, stable.</param>
/// <param name="Points">The samples.</param>
/// <param name="Limit">The limit.</param>
/// <param name="LeakStart">The index where the leak begins; 0 for a leak from the start, -1 without.</param>
/// <param name="TrueHours">Hours from the last point until the noise-free series reaches the limit; null without a leak.</param>
internal sealed record ResourceCase(string Kind, IReadOnlyList<SeriesPoint> Points, double Limit, int LeakStart, double? TrueHours);

/// <summary>A generated demand series and what it is made of.</summary>
internal sealed record DemandSeries(string Shape, IReadOnlyList<SeriesPoint> Points, IReadOnlySet<int> Spikes);

/// <summary>Generates the labelled benchmark series from a seed: the same seed, the same series.</summary>
internal sealed class LabelledSeries(int seed)
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private readonly Random _random = new(seed);

    /// <summary>A day of memory at 1 min: a leak (from the start or from midway, on a sawtooth or on noise), or one of the
    /// shapes that are not leaks: a flat sawtooth, a warm-up ramp, a step, noise.</summary>
    public ResourceCase Resource()
    {
        const int Count = 24 * 60;
        const double Mb = 1024 * 1024;
        var kind = new[] { "leak", "leak", "sawtooth", "warm-up", "step", "stable" }[_random.Next(6)];
        var baseline = Uniform(100, 400) * Mb;
        var sawtooth = kind == "sawtooth" || (kind == "leak" && Chance(0.5));
        var cycle = _random.Next(8, 30);
        var height = sawtooth ? Uniform(20, 80) * Mb : 0;
        var noise = Uniform(1, 6) * Mb;
        var slope = Uniform(2, 40) * Mb; // per hour
        var leakStart = kind == "leak" ? (Chance(0.3) ? _random.Next(Count / 3, Count / 2) : 0) : -1;
        var stepAt = _random.Next(Count / 4, 3 * Count / 4);
        var stepSize = Uniform(30, 120) * Mb;
        var tau = Uniform(60, 240);
        var ramp = Uniform(100, 300) * Mb;

        double Clean(int i) => baseline
            + (sawtooth ? height * (i % cycle) / (double)cycle : 0)
            + (leakStart >= 0 && i > leakStart ? slope * (i - leakStart) / 60.0 : 0)
            + (kind == "step" && i >= stepAt ? stepSize : 0)
            + (kind == "warm-up" ? ramp * (1 - Math.Exp(-i / tau)) : 0);

        // The limit lies 2 h to 3 days of leaking past the end (for a leak), else well above the series.
        var limit = kind == "leak" ? Clean(Count - 1) + height + slope * Uniform(2, 72) : Clean(Count - 1) + height + Uniform(200, 800) * Mb;
        double? trueHours = null;
        if (kind == "leak")
        {
            for (var i = Count; i < Count + 400 * 24 * 60; i++)
            {
                if (Clean(i) >= limit)
                {
                    trueHours = (i - (Count - 1)) / 60.0;
                    break;
                }
            }
        }

        var points = Enumerable.Range(0, Count).Select(i => new SeriesPoint(Origin.AddMinutes(i), Clean(i) + Gaussian() * noise)).ToList();
        return new ResourceCase(kind, points, limit, leakStart, trueHours);
    }

    /// <summary>Twelve weeks of hourly demand (requests/s): a level, a daily swing, a weekend dip, growth (compound, from
    /// −0.3 % to +1.5 % a day, or none), at most one level shift (a new customer, a lost one), a rare spike, and noise
    /// proportional to the level.</summary>
    public DemandSeries Demand()
    {
        const int Count = 12 * 168;
        var level = Uniform(50, 2000);
        var daily = Chance(0.85) ? Uniform(0.2, 0.6) : 0;
        var weekend = Chance(0.6) ? Uniform(0.1, 0.4) : 0;
        var growth = Chance(0.75) ? Uniform(-0.003, 0.015) : 0;
        var shiftAt = Chance(0.3) ? _random.Next(3 * 168, Count - 168) : -1;
        var shift = Uniform(-0.25, 0.4);
        var noise = Uniform(0.02, 0.1);
        var shape = $"{(daily > 0 ? "daily" : "flat")}{(weekend > 0 ? "+weekly" : string.Empty)}{(growth != 0 ? "+growth" : string.Empty)}{(shiftAt >= 0 ? "+shift" : string.Empty)}";
        var points = new List<SeriesPoint>(Count);
        var spikes = new HashSet<int>();
        for (var i = 0; i < Count; i++)
        {
            var time = Origin.AddHours(i);
            var value = level * Math.Pow(1 + growth, i / 24.0)
                * (1 - (daily * Math.Cos(2 * Math.PI * (time.Hour - 3) / 24)))
                * (time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1 - weekend : 1)
                * (shiftAt >= 0 && i >= shiftAt ? 1 + shift : 1);
            var spike = Chance(0.003);
            value *= 1 + (noise * Gaussian()) + (spike ? Uniform(0.3, 1) : 0);
            points.Add(new SeriesPoint(time, Math.Max(0.1, value)));
            if (spike)
            {
                spikes.Add(i);
            }
        }

        return new DemandSeries(shape, points, spikes);
    }

    private double Uniform(double min, double max) => min + (max - min) * _random.NextDouble();

    private bool Chance(double p) => _random.NextDouble() < p;

    private int Sign() => _random.Next(2) == 0 ? -1 : 1;

    private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}
