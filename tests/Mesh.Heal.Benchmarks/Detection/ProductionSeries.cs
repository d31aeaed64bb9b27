using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Benchmarks.Detection;

/// <summary>Generates metric series that look like production (5 min steps, one to three weeks) with anomalies labelled
/// the way NAB labels them: the same seed, the same series.</summary>
/// <remarks>
/// <para>
/// Shapes: <c>requests</c> (daily and weekly seasons, bursts, slow drift), <c>cpu</c> (a noisy flat line with slow drift),
/// <c>latency</c> (heavy-tailed around a base that follows the load), and, kept for the held-out set only, <c>counter</c>
/// (a cumulative counter whose resets at deploys are normal) and <c>connections</c> (small integer counts). Any series may
/// miss points (gaps in the timestamps) and carry unlabelled bursts.
/// </para>
/// <para>
/// Kinds: <c>spike</c>, <c>dip</c>, <c>level-shift</c> (persists to the end, labelled once at its start), <c>slow-down</c>
/// (a rise for one to six hours) and, held out, <c>variance-change</c> and <c>seasonality-break</c> (a day without its
/// daily swing). Each anomaly is centred in a window of 10 % of the series length divided by the number of anomalies,
/// after NAB's probation (15 %, at most 750 points); a series has zero to three.
/// </para>
/// </remarks>
internal sealed class ProductionSeries(int seed, bool heldOut)
{
    private static readonly DateTimeOffset Origin = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(5);
    private static readonly string[] TuningShapes = ["requests", "cpu", "latency"];
    private static readonly string[] HeldOutShapes = ["requests", "cpu", "latency", "counter", "connections", "counter", "connections"];
    private static readonly string[] TuningKinds = ["spike", "dip", "level-shift", "slow-down"];
    private static readonly string[] HeldOutKinds = ["spike", "dip", "level-shift", "slow-down", "variance-change", "seasonality-break", "variance-change", "seasonality-break"];
    private readonly Random _random = new(seed);

    /// <summary>The next series.</summary>
    public AnomalySeries Next()
    {
        var shapes = heldOut ? HeldOutShapes : TuningShapes;
        var kinds = heldOut ? HeldOutKinds : TuningKinds;
        var shape = shapes[_random.Next(shapes.Length)];
        var count = _random.Next(2000, 6048);
        var probation = NabScorer.Probation(count);
        var anomalies = _random.Next(4);
        var width = anomalies == 0 ? 0 : (int)(0.1 * count / anomalies);
        var starts = new List<int>();
        for (var attempt = 0; attempt < 50 && starts.Count < anomalies; attempt++)
        {
            var at = _random.Next(probation + (width / 2) + 1, count - (width / 2) - 1);
            if (starts.All(s => Math.Abs(s - at) > width + 10))
            {
                starts.Add(at);
            }
        }

        starts.Sort();
        var labels = starts.Select(s =>
        {
            var kind = kinds[_random.Next(kinds.Length)];
            var length = kind switch
            {
                "spike" => _random.Next(1, 3),
                "dip" => _random.Next(3, 20),
                "level-shift" => 1,
                "slow-down" => _random.Next(12, 72),
                "variance-change" => _random.Next(48, 200),
                _ => 288,
            };
            return new Label(kind, s, Math.Min(count - 1, s + length - 1));
        }).ToList();

        var values = shape switch
        {
            "requests" => Requests(count, labels),
            "cpu" => Cpu(count, labels),
            "latency" => Latency(count, labels),
            "counter" => Counter(count, labels),
            _ => Connections(count, labels),
        };

        // Missing points: a few stretches of 1 to 24 points dropped, never next to an anomaly.
        var keep = Enumerable.Repeat(true, count).ToArray();
        if (Chance(0.4))
        {
            for (var g = _random.Next(1, 6); g > 0; g--)
            {
                var at = _random.Next(10, count - 30);
                var gap = _random.Next(1, 25);
                if (labels.All(l => at + gap < l.Start - 12 || at > l.End + 12))
                {
                    for (var i = at; i < at + gap; i++)
                    {
                        keep[i] = false;
                    }
                }
            }
        }

        var index = new int[count];
        var points = new List<SeriesPoint>(count);
        for (var i = 0; i < count; i++)
        {
            index[i] = points.Count;
            if (keep[i])
            {
                points.Add(new SeriesPoint(Origin + (Step * i), values[i]));
            }
        }

        var kept = labels.Select(l => l with { Start = index[l.Start], End = index[l.End] }).ToList();
        return new AnomalySeries(shape, points, kept, NabScorer.Probation(points.Count));
    }

    private double[] Requests(int count, List<Label> labels)
    {
        var level = Uniform(50, 2000);
        var daily = Uniform(0.2, 0.6);
        var weekend = Chance(0.6) ? Uniform(0.1, 0.4) : 0;
        var drift = Uniform(-0.2, 0.3);
        var noise = Uniform(0.02, 0.08);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            var t = Origin + (Step * i);
            var seasonal = level * (1 + (drift * i / count)) * (1 - (daily * Math.Cos(2 * Math.PI * (t.TimeOfDay.TotalHours - 3) / 24)))
                * (t.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1 - weekend : 1);
            values[i] = seasonal;
        }

        Apply(values, labels, level * noise, seasonalDaily: level * daily);
        for (var i = 0; i < count; i++)
        {
            values[i] = Math.Max(0, values[i] * (1 + (noise * Gaussian())));
        }

        Bursts(values, labels, level * noise * 3);
        return values;
    }

    private double[] Cpu(int count, List<Label> labels)
    {
        var level = Uniform(10, 70);
        var sigma = Uniform(0.5, 4);
        var values = new double[count];
        var wander = 0.0;
        for (var i = 0; i < count; i++)
        {
            wander = (0.995 * wander) + (0.1 * sigma * Gaussian());
            values[i] = level + wander + (sigma * Gaussian());
        }

        Apply(values, labels, sigma, seasonalDaily: 0);
        Bursts(values, labels, sigma * 3);
        for (var i = 0; i < count; i++)
        {
            values[i] = Math.Clamp(values[i], 0, 100);
        }

        return values;
    }

    private double[] Latency(int count, List<Label> labels)
    {
        var median = Uniform(20, 300);
        var tail = Uniform(0.15, 0.4);
        var load = Uniform(0, 0.3);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            var t = Origin + (Step * i);
            values[i] = median * (1 + (load * Math.Sin(2 * Math.PI * (t.TimeOfDay.TotalHours - 9) / 24)));
        }

        Apply(values, labels, median * tail * 1.5, seasonalDaily: median * load);
        for (var i = 0; i < count; i++)
        {
            // Lognormal body, and now and then a heavier (Pareto) tail: the p99 of a busy service.
            values[i] *= Math.Exp(tail * Gaussian()) * (Chance(0.01) ? Math.Pow(1 - _random.NextDouble(), -1 / 3.0) : 1);
        }

        return values;
    }

    private double[] Counter(int count, List<Label> labels)
    {
        // The counter's increments follow the load; it restarts from 0 at deploys, every one to four days.
        var rate = Uniform(10, 200);
        var noise = Uniform(0.03, 0.1);
        var increments = new double[count];
        for (var i = 0; i < count; i++)
        {
            var t = Origin + (Step * i);
            increments[i] = rate * (1 - (0.5 * Math.Cos(2 * Math.PI * (t.TimeOfDay.TotalHours - 3) / 24)));
        }

        Apply(increments, labels, rate * noise, seasonalDaily: rate * 0.5);
        var values = new double[count];
        var total = 0.0;
        var nextReset = _random.Next(288, 4 * 288);
        for (var i = 0; i < count; i++)
        {
            if (i == nextReset)
            {
                total = 0;
                nextReset += _random.Next(288, 4 * 288);
            }

            total += Math.Max(0, increments[i] * (1 + (noise * Gaussian())));
            values[i] = Math.Round(total);
        }

        return values;
    }

    private double[] Connections(int count, List<Label> labels)
    {
        var level = Uniform(3, 40);
        var values = new double[count];
        Array.Fill(values, level);
        Apply(values, labels, Math.Sqrt(level), seasonalDaily: 0);
        for (var i = 0; i < count; i++)
        {
            values[i] = Math.Max(0, Math.Round(values[i] + (Math.Sqrt(level) * Gaussian())));
        }

        return values;
    }

    // Puts the labelled anomalies into the noise-free series; sigma is the noise it will get, to size them.
    private void Apply(double[] values, List<Label> labels, double sigma, double seasonalDaily)
    {
        foreach (var l in labels)
        {
            var sign = Chance(0.5) ? 1 : -1;
            switch (l.Kind)
            {
                case "spike":
                    var size = sigma * Uniform(6, 12);
                    for (var i = l.Start; i <= l.End; i++)
                    {
                        values[i] += size;
                    }

                    break;
                case "dip":
                    var factor = Uniform(0.1, 0.5);
                    var mean = values.Skip(Math.Max(0, l.Start - 288)).Take(288).Average();
                    for (var i = l.Start; i <= l.End; i++)
                    {
                        values[i] = Math.Min(values[i] * factor, values[i] - (sigma * 5));
                        values[i] = Math.Max(values[i], mean * 0.05);
                    }

                    break;
                case "level-shift":
                    var jump = sign * sigma * Uniform(5, 10);
                    for (var i = l.Start; i < values.Length; i++)
                    {
                        values[i] = Math.Max(values[i] + jump, 0);
                    }

                    break;
                case "slow-down":
                    var rise = sigma * Uniform(4, 8);
                    for (var i = l.Start; i <= l.End; i++)
                    {
                        values[i] += rise * Math.Min(1, (i - l.Start + 1) / 6.0);
                    }

                    break;
                case "variance-change":
                    var spread = Uniform(3, 5);
                    for (var i = l.Start; i <= l.End; i++)
                    {
                        values[i] += sigma * spread * Gaussian();
                    }

                    break;
                default:
                    // A day without its daily swing (a stuck exporter, a holiday), or a flat shift when there is none.
                    var average = values.Skip(Math.Max(0, l.Start - 288)).Take(288).Average();
                    for (var i = l.Start; i <= l.End; i++)
                    {
                        values[i] = seasonalDaily > 0 ? average : values[i] + (sign * sigma * 6);
                    }

                    break;
            }
        }
    }

    // Unlabelled bursts: a few points up to three noise widths above, as a busy minute gives, away from the anomalies.
    private void Bursts(double[] values, List<Label> labels, double height)
    {
        for (var b = _random.Next(0, 6); b > 0; b--)
        {
            var at = _random.Next(0, values.Length - 6);
            if (labels.Any(l => at + 6 >= l.Start - 24 && at <= l.End + 24))
            {
                continue;
            }

            for (var i = at; i < at + _random.Next(1, 6); i++)
            {
                values[i] += height * Uniform(0.5, 1);
            }
        }
    }

    private double Uniform(double min, double max) => min + ((max - min) * _random.NextDouble());

    private bool Chance(double p) => _random.NextDouble() < p;

    private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}
