using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Forecasting;

/// <summary>Forecasts a metric series with prediction intervals, choosing per series, by a rolling-origin backtest, among
/// seasonal naive and damped-trend exponential smoothing with no, a daily or a weekly season.</summary>
/// <remarks>
/// <para>
/// The series is put on a regular grid at its own step (the median gap; gaps are filled by carrying the value of the
/// same time a season earlier, or the last value). A series longer than <see cref="ForecastOptions.MaximumPoints"/> is
/// averaged into coarser steps first; the forecast is then at that step.
/// </para>
/// <para>
/// Each candidate whose season fits the history at least twice is fitted on the history up to each of
/// <see cref="ForecastOptions.BacktestOrigins"/> origins and judged on the next stretch (a day, or a sixth of the
/// history when shorter) by MASE: its mean absolute error over that of the seasonal naive forecast in sample. The best
/// candidate is refitted on the whole history. Intervals are the model's analytic ones, widened by how much the
/// backtest errors outgrew them, so a series the model fits badly gets honest intervals rather than tight wrong ones.
/// </para>
/// <para>Growth is the Theil–Sen slope of the daily means, with Sen's interval, as a share of the current level per 30 days.</para>
/// </remarks>
public static class Forecaster
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    /// <summary>Forecasts <paramref name="history"/> (any order) <paramref name="horizon"/> ahead.</summary>
    /// <exception cref="ArgumentException">Fewer than <see cref="ForecastOptions.MinimumPoints"/> points, or a horizon of zero or less.</exception>
    public static Forecast Predict(IReadOnlyList<SeriesPoint> history, TimeSpan horizon, ForecastOptions? options = null)
    {
        options ??= new ForecastOptions();
        if (horizon <= TimeSpan.Zero)
        {
            throw new ArgumentException("horizon must be positive", nameof(horizon));
        }

        var grid = Regularize(history, options);
        var y = grid.Values;
        var wanted = Math.Ceiling(horizon / grid.Step);
        if (wanted > ForecastOptions.MaximumHorizonSteps)
        {
            throw new ArgumentException(
                $"a horizon of {horizon.TotalDays:0.###} days is {wanted:0} steps of the series' {grid.Step.TotalSeconds:0.###} s; at most {ForecastOptions.MaximumHorizonSteps} are forecast: use a coarser series or a shorter horizon", nameof(horizon));
        }

        var steps = Math.Max(1, (int)wanted);
        var candidates = Candidates(grid.Step, y, options);
        var scale = NaiveScale(y, Period(grid.Step, Day, y.Length));
        var judged = candidates.Select(c => (Candidate: c, Score: Backtest(c, y, grid.Step, scale, options))).ToList();
        var best = judged.Where(j => double.IsFinite(j.Score.Mase)).OrderBy(j => j.Score.Mase).FirstOrDefault();
        if (best.Candidate is null)
        {
            best = judged[0];
        }

        var (mean, sd, parameters) = best.Candidate.Run(y, steps);
        var z = Normal.Quantile(1 - ((1 - options.Confidence) / 2));
        var widen = Math.Max(1, best.Score.Widen);
        var points = new ForecastPoint[steps];
        for (var h = 0; h < steps; h++)
        {
            var half = z * sd[h] * widen;
            var lower = best.Candidate.Back(mean[h] - half);
            points[h] = new ForecastPoint(
                grid.End + (grid.Step * (h + 1)), best.Candidate.Back(mean[h]), options.NonNegative ? Math.Max(0, lower) : lower, best.Candidate.Back(mean[h] + half));
        }

        return new Forecast(best.Candidate.Name, grid.Step, points)
        {
            Parameters = parameters,
            BacktestMase = best.Score.Mase,
            IntervalWidening = widen,
            Candidates = judged.ToDictionary(j => j.Candidate.Name, j => j.Score.Mase, StringComparer.Ordinal),
            Growth = Growth(grid, options),
            Level = y.AsSpan(y.Length - Math.Clamp((int)(Day / grid.Step), 1, Math.Max(1, y.Length / 10))).ToArray().Average(),
            HistoryPoints = y.Length,
        };
    }

    /// <summary>MASE of <paramref name="forecast"/> against <paramref name="actual"/>, scaled by the in-sample MAE of the
    /// seasonal naive forecast of <paramref name="training"/> at <paramref name="period"/> steps (1: the naive forecast).</summary>
    public static double Mase(ReadOnlySpan<double> training, ReadOnlySpan<double> actual, ReadOnlySpan<double> forecast, int period)
    {
        var scale = NaiveScale(training, period);
        double error = 0;
        var n = Math.Min(actual.Length, forecast.Length);
        for (var i = 0; i < n; i++)
        {
            error += Math.Abs(actual[i] - forecast[i]);
        }

        return n == 0 || scale <= 0 ? double.NaN : error / n / scale;
    }

    /// <summary>The season of <paramref name="length"/> in steps of <paramref name="step"/>, or 0 when it does not divide
    /// into whole steps or the history of <paramref name="points"/> holds it fewer than twice.</summary>
    public static int Period(TimeSpan step, TimeSpan length, int points)
    {
        var period = length.Ticks / step.Ticks;
        return step.Ticks > 0 && length.Ticks % step.Ticks == 0 && period > 1 && points >= 2 * period ? (int)period : 0;
    }

    private static List<Candidate> Candidates(TimeSpan step, double[] y, ForecastOptions options)
    {
        var points = y.Length;
        var positive = y.All(v => v > 0);
        var daily = Period(step, Day, points);
        var weekly = Period(step, Week, points);

        // Damping is set per day and turned into per step, so the same trend fades at the same pace whatever the step.
        var phis = options.EffectiveDampingPerDay.Select(d => Math.Pow(d, step / Day)).ToArray();
        var list = new List<Candidate>();
        if (weekly > 0)
        {
            list.Add(new Candidate("seasonal-naive-weekly", weekly, Naive: true, Log: false, phis));
        }

        if (daily > 0)
        {
            list.Add(new Candidate("seasonal-naive-daily", daily, Naive: true, Log: false, phis));
        }

        // Each smoothing model also on the logarithm of a positive series: there the season and the noise grow with the
        // level (a multiplicative season), as demand's daily swing does when the demand grows.
        foreach (var log in positive ? (bool[])[false, true] : [false])
        {
            var suffix = log ? "-log" : string.Empty;
            if (weekly > 0)
            {
                list.Add(new Candidate("holt-winters-weekly" + suffix, weekly, Naive: false, log, phis));
            }

            if (daily > 0)
            {
                list.Add(new Candidate("holt-winters-daily" + suffix, daily, Naive: false, log, phis));
            }

            list.Add(new Candidate("damped-trend" + suffix, 0, Naive: false, log, phis));
        }

        return list;
    }

    private static (double Mase, double Widen) Backtest(Candidate candidate, double[] y, TimeSpan step, double scale, ForecastOptions options)
    {
        var stretch = Math.Clamp((int)(Day / step), 1, Math.Max(1, y.Length / 6));
        var errors = 0.0;
        var counted = 0;
        var ratios = new List<double>();
        for (var k = options.BacktestOrigins; k >= 1; k--)
        {
            var origin = y.Length - (k * stretch);
            if (origin < Math.Max(options.MinimumPoints, 2 * candidate.Period))
            {
                continue;
            }

            var (mean, sd, _) = candidate.Run(y.AsSpan(0, origin), stretch);
            for (var h = 0; h < stretch && origin + h < y.Length; h++)
            {
                errors += Math.Abs(y[origin + h] - candidate.Back(mean[h]));
                counted++;
                if (sd[h] > 0)
                {
                    ratios.Add(Math.Abs(candidate.Scale(y[origin + h]) - mean[h]) / sd[h]);
                }
            }
        }

        if (counted == 0 || scale <= 0)
        {
            return (double.NaN, 1);
        }

        // |e|/sd of a normal error has median 0.674; a larger median says the intervals are too narrow by that factor.
        var widen = ratios.Count == 0 ? 1 : Trend.Median(ratios) / 0.6745;
        return (errors / counted / scale, widen);
    }

    private static double NaiveScale(ReadOnlySpan<double> y, int period)
    {
        var m = period > 0 ? period : 1;
        double sum = 0;
        for (var i = m; i < y.Length; i++)
        {
            sum += Math.Abs(y[i] - y[i - m]);
        }

        return y.Length > m ? sum / (y.Length - m) : 0;
    }

    private static GrowthRate Growth(Grid grid, ForecastOptions options)
    {
        var perDay = Math.Max(1, (int)(Day / grid.Step));
        var days = grid.Values.Length / perDay;
        if (days < 3)
        {
            return new GrowthRate(0, 0, 0, 0, days);
        }

        var x = new List<double>(days);
        var means = new List<double>(days);
        var offset = grid.Values.Length - (days * perDay);
        for (var d = 0; d < days; d++)
        {
            x.Add(d);
            means.Add(grid.Values.AsSpan(offset + (d * perDay), perDay).ToArray().Average());
        }

        var fit = Trend.TheilSen(x, means, options.Confidence);
        var level = Math.Max(Math.Abs(fit.At(days - 1)), 1e-9);
        return new GrowthRate(fit.Slope, fit.Slope * 30 / level, fit.SlopeLower * 30 / level, fit.SlopeUpper * 30 / level, days);
    }

    private static Grid Regularize(IReadOnlyList<SeriesPoint> history, ForecastOptions options)
    {
        var points = history.Where(p => double.IsFinite(p.Value)).OrderBy(p => p.Time).ToList();
        if (points.Count < options.MinimumPoints)
        {
            throw new ArgumentException($"a forecast needs at least {options.MinimumPoints} points; the series has {points.Count}", nameof(history));
        }

        var gaps = new List<double>(points.Count - 1);
        for (var i = 1; i < points.Count; i++)
        {
            if (points[i].Time > points[i - 1].Time)
            {
                gaps.Add((points[i].Time - points[i - 1].Time).Ticks);
            }
        }

        var step = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, (long)Trend.Median(gaps)));
        var span = points[^1].Time - points[0].Time;
        while (span / step + 1 > options.MaximumPoints)
        {
            step = Coarser(step);
        }

        var start = points[0].Time;
        var n = (int)(span / step) + 1;
        var sums = new double[n];
        var counts = new int[n];
        foreach (var p in points)
        {
            var i = Math.Min(n - 1, (int)((p.Time - start) / step));
            sums[i] += p.Value;
            counts[i]++;
        }

        var values = new double[n];
        var day = Period(step, Day, int.MaxValue);
        for (var i = 0; i < n; i++)
        {
            values[i] = counts[i] > 0 ? sums[i] / counts[i]
                : day > 0 && i >= day ? values[i - day]
                : i > 0 ? values[i - 1] : points[0].Value;
        }

        return new Grid(start, step, values);
    }

    // The next step that divides a day evenly, so the daily season stays whole steps.
    private static TimeSpan Coarser(TimeSpan step)
    {
        TimeSpan[] ladder = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
            TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12), Day];
        return ladder.FirstOrDefault(s => s > step, step * 2);
    }

    private sealed record Grid(DateTimeOffset Start, TimeSpan Step, double[] Values)
    {
        public DateTimeOffset End => Start + (Step * (Values.Length - 1));
    }

    private sealed record Candidate(string Name, int Period, bool Naive, bool Log, double[] Phis)
    {
        public double Scale(double value) => Log ? Math.Log(value) : value;

        public double Back(double value) => Log ? Math.Exp(value) : value;

        // Mean and standard deviation on the model's scale: the logarithm's for a log model, whose forecast is then the
        // median exp(m) and whose interval exp(m ± z·s) is skewed upwards, as a growing demand's is.
        public (double[] Mean, double[] Sd, string Parameters) Run(ReadOnlySpan<double> y, int steps)
        {
            if (!Naive)
            {
                var input = new double[y.Length];
                for (var i = 0; i < y.Length; i++)
                {
                    input[i] = Scale(y[i]);
                }

                var model = HoltWinters.Fit(input, Period, Phis);
                var (mean, sd) = model.Forecast(steps);
                return (mean, sd, model.Parameters + (Log ? ", on the logarithm" : string.Empty));
            }

            // Seasonal naive: the value a season earlier; its error grows with the number of seasons ahead.
            var forecast = new double[steps];
            var deviation = new double[steps];
            double sse = 0;
            for (var i = Period; i < y.Length; i++)
            {
                sse += (y[i] - y[i - Period]) * (y[i] - y[i - Period]);
            }

            var sigma = y.Length > Period ? Math.Sqrt(sse / (y.Length - Period)) : 0;
            for (var h = 0; h < steps; h++)
            {
                forecast[h] = y[y.Length - Period + (h % Period)];
                deviation[h] = sigma * Math.Sqrt((h / Period) + 1);
            }

            return (forecast, deviation, "the value one season earlier");
        }
    }
}
