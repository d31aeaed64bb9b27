using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Benchmarks.Capacity;

/// <summary>A generated half-hourly demand trace and what was put into it.</summary>
/// <param name="Points">The demand, one point every 30 minutes.</param>
/// <param name="HistoryDays">The days before the evaluation (whole days; the evaluation is the rest).</param>
/// <param name="Holidays">The holidays' day indexes.</param>
/// <param name="Excursions">The excursion days' indexes (heat-wave-like).</param>
internal sealed record DemandTrace(IReadOnlyList<SeriesPoint> Points, int HistoryDays, IReadOnlySet<int> Holidays, IReadOnlySet<int> Excursions);

/// <summary>Generates half-hourly demand that looks like an electricity or a large service's demand: a daily shape with a
/// morning and an evening peak, weekdays and weekends, public holidays on random weekdays (a Sunday's shape), a slow yearly
/// swing and trend, multi-day heat-wave-like excursions that lift the afternoon most, day-to-day weather drift
/// (autocorrelated), and autocorrelated half-hour noise. The same seed gives the same traces.</summary>
/// <remarks>Written from the general shape of such demand, not fitted to any data set: every amplitude is drawn from a
/// broad range per trace.</remarks>
internal sealed class DemandTraces(int seed)
{
    private const int PerDay = 48;
    private static readonly DateTimeOffset Origin = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);
    private readonly Random _random = new(seed);

    /// <summary>A trace with <paramref name="historyWeeks"/> weeks of history (drawn from 5 to 16 when null) and 8 weeks of evaluation.</summary>
    public DemandTrace Next(int? historyWeeks = null)
    {
        var weeks = historyWeeks ?? _random.Next(5, 17);
        var days = (weeks + 8) * 7;
        var start = Origin.AddDays(_random.Next(0, 52) * 7);
        var level = Uniform(500, 8000);
        var nightDepth = Uniform(0.25, 0.45);
        var morning = (Hour: Uniform(7, 9.5), Height: Uniform(0.05, 0.25), Width: Uniform(1, 2.5));
        var evening = (Hour: Uniform(17, 20), Height: Uniform(0.1, 0.35), Width: Uniform(1.5, 3));
        var saturday = Uniform(0.8, 0.95);
        var sunday = Uniform(0.72, saturday);
        var weekendMorning = Uniform(0.2, 0.7); // a weekend morning peak is this share of a weekday's
        var yearly = Uniform(0, 0.15);
        var yearlyPhase = Uniform(0, 2 * Math.PI);
        var trend = Uniform(-0.0005, 0.001); // per day
        var dayDrift = Uniform(0.01, 0.04);
        var noise = Uniform(0.005, 0.02);
        var holidays = new HashSet<int>();
        for (var d = _random.Next(10, 30); d < days; d += _random.Next(14, 42))
        {
            var weekday = d - (d % 7) + _random.Next(0, 5);
            if (weekday < days)
            {
                holidays.Add(weekday);
            }
        }

        // Heat-wave-like excursions: every three weeks or so, two to five days lifted, the afternoons most.
        var lift = new double[days];
        var excursions = new HashSet<int>();
        for (var d = _random.Next(3, 25); d < days; d += _random.Next(10, 35))
        {
            var length = _random.Next(2, 6);
            var height = Uniform(0.08, 0.4);
            for (var k = 0; k < length && d + k < days; k++)
            {
                // Builds over the first day or two and breaks on the last.
                lift[d + k] = height * Math.Min(1, (k + 1) / 2.0) * (k == length - 1 ? Uniform(0.4, 1) : 1);
                excursions.Add(d + k);
            }
        }

        var points = new List<SeriesPoint>(days * PerDay);
        var drift = 0.0;
        var ar = 0.0;
        for (var d = 0; d < days; d++)
        {
            drift = (0.7 * drift) + (dayDrift * Math.Sqrt(1 - (0.7 * 0.7)) * Gaussian());
            var weekday = (start.AddDays(d).DayOfWeek, holidays.Contains(d)) switch
            {
                (_, true) => DayOfWeek.Sunday,
                (var w, _) => w,
            };
            var dayFactor = weekday switch { DayOfWeek.Saturday => saturday, DayOfWeek.Sunday => sunday, _ => 1.0 };
            var morningHeight = weekday is DayOfWeek.Saturday or DayOfWeek.Sunday ? morning.Height * weekendMorning : morning.Height;
            var seasonal = (1 + (yearly * Math.Cos((2 * Math.PI * (start.DayOfYear + d) / 365.25) + yearlyPhase))) * (1 + (trend * d));
            for (var s = 0; s < PerDay; s++)
            {
                var hour = s / 2.0;
                var shape = 1 - (nightDepth * Math.Cos(2 * Math.PI * (hour - 3.5) / 24) * 0.5) - (nightDepth * 0.5)
                    + Bump(hour, morning.Hour, morningHeight, morning.Width) + Bump(hour, evening.Hour, evening.Height, evening.Width);
                var afternoon = 0.35 + (0.65 * Math.Exp(-Math.Pow((hour - 16) / 5, 2)));
                ar = (0.8 * ar) + (noise * 0.6 * Gaussian());
                var value = level * seasonal * dayFactor * shape * (1 + (lift[d] * afternoon)) * (1 + drift) * (1 + ar);
                points.Add(new SeriesPoint(start.AddDays(d).AddMinutes(30 * s), Math.Max(1, value)));
            }
        }

        return new DemandTrace(points, weeks * 7, holidays, excursions);
    }

    private static double Bump(double hour, double at, double height, double width) =>
        height * Math.Exp(-0.5 * Math.Pow((hour - at) / width, 2));

    private double Uniform(double min, double max) => min + ((max - min) * _random.NextDouble());

    private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}
