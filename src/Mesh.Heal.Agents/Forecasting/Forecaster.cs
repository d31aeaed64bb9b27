using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Forecasting;

/// <summary>Forecasts a metric series with calibrated prediction intervals, choosing per series, by a rolling-origin
/// backtest, among seasonal naive forecasts, double-seasonal (daily and weekly) exponential smoothing, and damped-trend
/// exponential smoothing with no, a daily or a weekly season.</summary>
/// <remarks>
/// <para>
/// The series is put on a regular grid at its own step (the median gap; gaps are filled by carrying the value of the
/// same time a season earlier, or the last value). A history longer than <see cref="ForecastOptions.MaximumPoints"/> steps
/// keeps its most recent ones when they still span eight weeks, so the forecast stays at the input's step; a shorter span is
/// averaged into coarser steps first, and the forecast is then at that step.
/// </para>
/// <para>
/// The backtest forecasts a day ahead (the horizon when shorter; a sixth of the history for a series without a daily
/// season) from each of the last <see cref="ForecastOptions.BacktestOrigins"/> origins a day apart, counted back from the
/// history's end so that each lead is the same time of day as in the forecast asked for. Each candidate's parameters are
/// fitted on the history before the first origin and then run, unchanged, through the rest: every backtest error is out
/// of sample. The candidate with the lowest MASE (its mean absolute error over that of the daily seasonal naive forecast in
/// sample) is refitted on the whole history.
/// </para>
/// <para>
/// Its intervals come from its own backtest errors, not from a model's normal assumption: each error is divided by its
/// lead's spread (the mean absolute error of that lead and its neighbours, relative to the forecast for a positive
/// series, so errors may grow with the level), the scores are pooled, and a step's q quantile is its forecast plus its
/// spread times the scores' split-conformal q quantile. The upper end is the 1 − <see cref="ForecastOptions.UpperMiss"/>
/// quantile and the lower end the <see cref="ForecastOptions.LowerMiss"/> one. Steps past the backtest's lead take the spread
/// of the same time of day, grown as the model's own standard deviation grows.
/// </para>
/// <para>Growth is the Theil–Sen slope of the daily means, with Sen's interval, as a share of the current level per 30 days.</para>
/// </remarks>
public static class Forecaster
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    /// <summary>Forecasts <paramref name="history"/> (any order) <paramref name="horizon"/> ahead.</summary>
    /// <exception cref="ArgumentException">Fewer than <see cref="ForecastOptions.MinimumPoints"/> points, a horizon of zero
    /// or less, or an <see cref="ForecastOptions.UpperMiss"/> out of its range.</exception>
    public static Forecast Predict(IReadOnlyList<SeriesPoint> history, TimeSpan horizon, ForecastOptions? options = null)
    {
        options ??= new ForecastOptions();
        if (horizon <= TimeSpan.Zero)
        {
            throw new ArgumentException("horizon must be positive", nameof(horizon));
        }

        if (!(options.Confidence is > 0 and < 1) || !(options.UpperMiss > 0) || options.UpperMiss > 1 - options.Confidence + 1e-12)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"Confidence {options.Confidence} with UpperMiss {options.UpperMiss} is not accepted; accepted: Confidence above 0 and below 1, UpperMiss above 0 and at most 1 - Confidence ({1 - options.Confidence:0.####})"), nameof(options));
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
        var daily = Period(grid.Step, Day, y.Length);
        var stride = daily > 0 ? daily : Math.Clamp(Math.Min(steps, y.Length / 6), 1, Math.Max(1, y.Length));
        // Judged up to a week ahead (the horizon when shorter) from origins a day apart, so a longer horizon's intervals
        // come from errors as far ahead as the history can show; the smoothing models are fitted on the day ahead.
        var leads = Math.Min(steps, daily > 0 ? 7 * stride : stride);
        var candidates = Candidates(grid.Step, y, options, Math.Min(leads, stride), stride);
        var origins = Origins(candidates, y.Length, stride, options);
        var scale = NaiveScale(y, Period(grid.Step, Day, y.Length));
        var judged = candidates.Select(c => (Candidate: c, Backtest: origins.Length == 0 ? null : c.Backtest(y, origins, leads))).ToList();
        var scored = judged.Select(j => (j.Candidate, j.Backtest, Mase: Mase(j.Backtest, y, origins, scale))).ToList();
        var best = scored.Where(j => double.IsFinite(j.Mase)).OrderBy(j => j.Mase).FirstOrDefault();
        if (best.Candidate is null)
        {
            best = scored[0];
        }

        var (mean, sd, parameters) = best.Candidate.Run(y, steps);
        var values = mean.Select(best.Candidate.Back).ToArray();
        var reference = sd[Math.Min(leads, steps) - 1];
        var growth = sd.Select(v => reference > 0 ? Math.Max(1, v / reference) : 1).ToArray();
        var (errors, adjusted, calibration) = best.Backtest is { } backtest
            ? Calibrate(backtest, y, origins, leads, stride, values, growth, options.UpperMiss, options.LowerMiss)
            : (new ForecastErrors(mean.Select((m, h) => best.Candidate.Back(m + sd[h]) - best.Candidate.Back(m)).ToArray(), [], 0), values, "the model's own normal intervals (too short a history to backtest)");
        values = adjusted;
        var upperQuantile = errors.Quantile(1 - options.UpperMiss);
        var lowerQuantile = errors.Quantile(options.LowerMiss);
        var points = new ForecastPoint[steps];
        for (var h = 0; h < steps; h++)
        {
            var lower = Math.Min(values[h], values[h] + (errors.Spread[h] * lowerQuantile));
            var upper = Math.Max(values[h], values[h] + (errors.Spread[h] * upperQuantile));
            points[h] = new ForecastPoint(grid.End + (grid.Step * (h + 1)), values[h], options.NonNegative ? Math.Max(0, lower) : lower, upper);
        }

        var own = best.Candidate.Back(mean[0] + (sd[0] * Normal.Quantile(1 - options.UpperMiss))) - best.Candidate.Back(mean[0]);
        return new Forecast(best.Candidate.Name, grid.Step, points)
        {
            Parameters = parameters,
            Calibration = calibration,
            BacktestMase = best.Mase,
            IntervalWidening = own > 0 ? (points[0].Upper - values[0]) / own : 1,
            UpperMiss = options.UpperMiss,
            Errors = errors,
            Candidates = scored.ToDictionary(j => j.Candidate.Name, j => j.Mase, StringComparer.Ordinal),
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

    private static List<Candidate> Candidates(TimeSpan step, double[] y, ForecastOptions options, int leads, int stride)
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
            list.Add(new Candidate("seasonal-naive-weekly", Kind.Naive, weekly, 0, Log: false, phis, leads, stride));
        }

        if (daily > 0)
        {
            list.Add(new Candidate("seasonal-naive-daily", Kind.Naive, daily, 0, Log: false, phis, leads, stride));
        }

        // Each smoothing model also on the logarithm of a positive series: there the season and the noise grow with the
        // level (a multiplicative season), as demand's daily swing does when the demand grows.
        foreach (var log in positive ? (bool[])[false, true] : [false])
        {
            var suffix = log ? "-log" : string.Empty;
            if (weekly > 0 && daily > 0)
            {
                list.Add(new Candidate("double-seasonal" + suffix, Kind.DoubleSeasonal, weekly, daily, log, phis, leads, stride));
            }

            if (weekly > 0)
            {
                list.Add(new Candidate("holt-winters-weekly" + suffix, Kind.HoltWinters, weekly, 0, log, phis, leads, stride));
            }

            if (daily > 0)
            {
                list.Add(new Candidate("holt-winters-daily" + suffix, Kind.HoltWinters, daily, 0, log, phis, leads, stride));
            }

            list.Add(new Candidate("damped-trend" + suffix, Kind.HoltWinters, 0, 0, log, phis, leads, stride));
        }

        return list;
    }

    // The last origins a stride apart, counted back from the end, that leave every candidate the history it needs (two of
    // its seasons); a candidate whose seasons would leave fewer than three is dropped rather than judged on too few.
    private static int[] Origins(List<Candidate> candidates, int n, int stride, ForecastOptions options)
    {
        while (true)
        {
            var longest = candidates.Max(c => c.Period);
            var needed = Math.Max(options.MinimumPoints, 2 * longest);
            var origins = new List<int>();
            for (var k = 1; k <= options.BacktestOrigins && n - (k * stride) >= needed; k++)
            {
                origins.Insert(0, n - (k * stride));
            }

            if (origins.Count >= 3 || longest == 0 || candidates.All(c => c.Period == longest))
            {
                return [.. origins];
            }

            candidates.RemoveAll(c => c.Period == longest);
        }
    }

    private static double Mase(double[][]? backtest, double[] y, int[] origins, double scale)
    {
        if (backtest is null || scale <= 0)
        {
            return double.NaN;
        }

        var errors = 0.0;
        var counted = 0;
        for (var k = 0; k < origins.Length; k++)
        {
            for (var h = 0; h < backtest[k].Length && origins[k] + h < y.Length; h++)
            {
                errors += Math.Abs(y[origins[k] + h] - backtest[k][h]);
                counted++;
            }
        }

        return counted == 0 ? double.NaN : errors / counted / scale;
    }

    // The backtest errors as a distribution. Per lead, the spread is the mean absolute error of the lead and its
    // neighbours (relative to the forecast for a positive series); an error over its spread is its standardized error z.
    // Two things known at an origin sharpen it, both read from the day before (the previous origin's errors, complete by
    // then): its mean z, of which a share ρ (least squares) carries into the next day's error, so a surge's second day is
    // expected higher; and its mean |z|, which scales the spread by (1 − λ) + λ·|z|/mean, so a calm week gets tighter
    // intervals and a turbulent one wider. λ is the one (of five) whose calibrated upper ends are lowest on average; the
    // coverage itself is the conformal quantile's, whatever λ. The scores are the errors left after both.
    private static (ForecastErrors Errors, double[] Values, string Description) Calibrate(
        double[][] backtest, double[] y, int[] origins, int leads, int stride, double[] forecast, double[] growth, double upperMiss, double lowerMiss)
    {
        var relative = y.All(v => v > 0);
        double Base(double f) => relative ? Math.Max(Math.Abs(f), 1e-9) : 1;
        var absolute = new double[leads];
        var counts = new int[leads];
        for (var k = 0; k < origins.Length; k++)
        {
            for (var h = 0; h < leads && origins[k] + h < y.Length; h++)
            {
                absolute[h] += Math.Abs(y[origins[k] + h] - backtest[k][h]) / Base(backtest[k][h]);
                counts[h]++;
            }
        }

        var width = Math.Max(1, stride / 48);
        var spread = new double[leads];
        for (var h = 0; h < leads; h++)
        {
            double sum = 0;
            var n = 0;
            for (var j = Math.Max(0, h - width); j <= Math.Min(leads - 1, h + width); j++)
            {
                sum += absolute[j];
                n += counts[j];
            }

            spread[h] = n > 0 ? sum / n : 0;
        }

        var floor = Math.Max(1e-12, 1e-3 * spread.Average());
        var z = new double[origins.Length][];
        for (var k = 0; k < origins.Length; k++)
        {
            var length = Math.Min(leads, y.Length - origins[k]);
            z[k] = new double[length];
            for (var h = 0; h < length; h++)
            {
                z[k][h] = (y[origins[k] + h] - backtest[k][h]) / (Base(backtest[k][h]) * Math.Max(spread[h], floor));
            }
        }

        // The day before each origin: its mean z and mean |z|; the first origin has none and only gives the spread.
        var adaptive = origins.Length >= 8;
        var first = adaptive ? 1 : 0;
        var bias = new double[origins.Length + 1];
        var turbulence = new double[origins.Length + 1];
        for (var k = 1; k <= origins.Length; k++)
        {
            var dayBefore = z[k - 1].AsSpan(0, Math.Min(stride, z[k - 1].Length)).ToArray();
            bias[k] = dayBefore.Length == 0 ? 0 : dayBefore.Average();
            turbulence[k] = dayBefore.Length == 0 ? 1 : dayBefore.Average(Math.Abs);
        }

        var rise = 0.0;
        var fall = 0.0;
        var lambda = 0.0;
        var meanTurbulence = 1.0;
        if (adaptive)
        {
            // Separately for a day above and below the forecast: a surge tends to last, a holiday's deficit does not.
            double xyUp = 0, xxUp = 0, xyDown = 0, xxDown = 0;
            for (var k = 1; k < origins.Length; k++)
            {
                foreach (var e in z[k].AsSpan(0, Math.Min(stride, z[k].Length)))
                {
                    if (bias[k] > 0)
                    {
                        (xyUp, xxUp) = (xyUp + (e * bias[k]), xxUp + (bias[k] * bias[k]));
                    }
                    else
                    {
                        (xyDown, xxDown) = (xyDown + (e * bias[k]), xxDown + (bias[k] * bias[k]));
                    }
                }
            }

            rise = xxUp > 0 ? Math.Clamp(xyUp / xxUp, 0, 1) : 0;
            fall = xxDown > 0 ? Math.Clamp(xyDown / xxDown, 0, 1) : 0;
            meanTurbulence = Math.Max(1e-9, turbulence.Skip(1).Take(origins.Length - 1).Average());
            var narrowest = double.PositiveInfinity;
            foreach (var candidate in (ReadOnlySpan<double>)[0, 0.25, 0.5, 0.75, 1])
            {
                var trial = Scores(z, bias, turbulence, first, stride, rise, fall, candidate, meanTurbulence);
                var q = new ForecastErrors([], trial, 0).Quantile(1 - upperMiss);
                var provision = 0.0;
                for (var k = first; k < origins.Length; k++)
                {
                    provision += Volatility(turbulence[k], candidate, meanTurbulence) * q;
                }

                if (provision < narrowest - 1e-12)
                {
                    (narrowest, lambda) = (provision, candidate);
                }
            }
        }

        var scores = Scores(z, bias, turbulence, first, stride, rise, fall, lambda, meanTurbulence);
        var (upperScale, lowerScale) = adaptive ? Sequential(z, bias, turbulence, first, stride, rise, fall, lambda, meanTurbulence, upperMiss, lowerMiss) : (1.0, 1.0);
        var steps = forecast.Length;
        var values = new double[steps];
        var perStep = new double[steps];
        var now = origins.Length;
        var volatility = Volatility(turbulence[now], lambda, meanTurbulence);

        // The carry is a straight line fitted on the days the backtest saw; a day beyond them (a holiday far below, a
        // surge far above) is carried as the furthest day seen, not extrapolated.
        var seenBias = bias.Skip(1).Take(Math.Max(0, origins.Length - 1)).DefaultIfEmpty(0).ToArray();
        var carried = Math.Clamp(bias[now], Math.Min(0, seenBias.Min()), Math.Max(0, seenBias.Max()));
        for (var h = 0; h < steps; h++)
        {
            var grow = h < leads ? 1 : growth[h];
            // Past the leads judged, the last judged day's spread at the same time of day.
            var lead = h < leads ? h : leads - Math.Min(leads, stride) + (h % Math.Min(leads, stride));
            var unit = Base(forecast[h]) * Math.Max(spread[lead], floor);
            values[h] = forecast[h] + (Math.Pow(carried > 0 ? rise : fall, 1 + (h / stride)) * carried * unit);
            perStep[h] = unit * grow * volatility;
        }

        var description = FormattableString.Invariant(
            $"{scores.Length} backtest errors from {origins.Length} origins; carried from the last day: {rise:0.##} of a rise, {fall:0.##} of a fall; volatility weight {lambda:0.##}; misses scaled by {upperScale:0.##} above, {lowerScale:0.##} below");
        return (new ForecastErrors(perStep, scores, origins.Length) { UpperMissScale = upperScale, LowerMissScale = lowerScale }, values, description);
    }

    // Conformal quantiles assume errors in any order are alike; a history's errors come in runs (a surge, a holiday), so
    // the quantile of all past scores lets more through the next day than it says. Replayed in time order (each origin's
    // scores against the quantile of those before it, from the eighth origin on), the miss that the quantile actually
    // gave is compared with the one asked for, and the miss asked of the final quantile is scaled by the factor (from
    // 1/5 to 2) whose replayed miss comes closest without exceeding it.
    private static (double Upper, double Lower) Sequential(
        double[][] z, double[] bias, double[] turbulence, int first, int stride, double rise, double fall, double lambda, double meanTurbulence, double upperMiss, double lowerMiss)
    {
        double[] factors = [2, 1.5, 1.25, 1, 0.8, 0.65, 0.5, 0.4, 0.3, 0.2];
        var above = new int[factors.Length];
        var below = new int[factors.Length];
        var judged = 0;
        var seen = new List<double>();
        var pending = new Queue<(int Known, double[] Scores)>();
        for (var k = first; k < z.Length; k++)
        {
            // An origin's scores join the past once all its leads have happened (a day apart per stride).
            while (pending.Count > 0 && pending.Peek().Known <= k)
            {
                foreach (var e in pending.Dequeue().Scores)
                {
                    var at = seen.BinarySearch(e);
                    seen.Insert(at >= 0 ? at : ~at, e);
                }
            }

            var today = Standardized(z[k], bias[k], turbulence[k], stride, rise, fall, lambda, meanTurbulence);
            if (k >= first + 7 && seen.Count > 0)
            {
                var past = new ForecastErrors([], [.. seen], 0);
                for (var f = 0; f < factors.Length; f++)
                {
                    var high = past.Quantile(1 - Math.Min(0.5, upperMiss * factors[f]));
                    var low = lowerMiss > 0 ? past.Quantile(Math.Min(0.5, lowerMiss * factors[f])) : double.NegativeInfinity;
                    foreach (var e in today)
                    {
                        above[f] += e > high ? 1 : 0;
                        below[f] += e < low ? 1 : 0;
                    }
                }

                judged += today.Length;
            }

            pending.Enqueue((k + ((today.Length + stride - 1) / stride), today));
        }

        if (judged == 0)
        {
            return (1, 1);
        }

        double Pick(int[] misses, double wanted)
        {
            for (var f = 0; f < factors.Length; f++)
            {
                if ((double)misses[f] / judged <= wanted)
                {
                    return factors[f];
                }
            }

            return factors[^1];
        }

        return (Pick(above, upperMiss), lowerMiss > 0 ? Pick(below, lowerMiss) : 1);
    }

    private static double Volatility(double turbulence, double lambda, double mean) => (1 - lambda) + (lambda * turbulence / mean);

    // The errors left of one origin's standardized errors once the carry (fading by a power a day) and the volatility are
    // taken out.
    private static double[] Standardized(double[] z, double bias, double turbulence, int stride, double rise, double fall, double lambda, double meanTurbulence)
    {
        var v = Math.Max(1e-6, Volatility(turbulence, lambda, meanTurbulence));
        var carry = bias > 0 ? rise : fall;
        var scores = new double[z.Length];
        for (var h = 0; h < z.Length; h++)
        {
            scores[h] = (z[h] - (Math.Pow(carry, 1 + (h / stride)) * bias)) / v;
        }

        return scores;
    }

    private static double[] Scores(double[][] z, double[] bias, double[] turbulence, int first, int stride, double rise, double fall, double lambda, double meanTurbulence)
    {
        var scores = new List<double>();
        for (var k = first; k < z.Length; k++)
        {
            scores.AddRange(Standardized(z[k], bias[k], turbulence[k], stride, rise, fall, lambda, meanTurbulence));
        }

        scores.Sort();
        return [.. scores];
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
        while (span / step + 1 > options.MaximumPoints && step * options.MaximumPoints < Week * 8)
        {
            step = Coarser(step);
        }

        // Eight weeks or more of the most recent steps are all the seasons and the backtest need; keeping them rather than
        // averaging the whole history into coarser steps keeps the forecast at the input's step.
        var start = span / step + 1 > options.MaximumPoints ? points[^1].Time - (step * (options.MaximumPoints - 1)) : points[0].Time;
        points = points.Where(p => p.Time >= start).ToList();
        var n = (int)((points[^1].Time - start) / step) + 1;
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

    private enum Kind
    {
        Naive,
        HoltWinters,
        DoubleSeasonal,
    }

    private sealed record Candidate(string Name, Kind Kind, int Period, int DailyPeriod, bool Log, double[] Phis, int Leads, int Stride)
    {
        public double Scale(double value) => Log ? Math.Log(value) : value;

        public double Back(double value) => Log ? Math.Exp(value) : value;

        // The forecasts from each origin, on the series' scale: the parameters fitted on the history before the first
        // origin, then run unchanged through the rest.
        public double[][] Backtest(double[] y, int[] origins, int leads)
        {
            var forecasts = new double[origins.Length][];
            if (Kind == Kind.Naive)
            {
                for (var k = 0; k < origins.Length; k++)
                {
                    forecasts[k] = new double[leads];
                    for (var h = 0; h < leads; h++)
                    {
                        forecasts[k][h] = y[origins[k] - Period + (h % Period)];
                    }
                }

                return forecasts;
            }

            var input = Scaled(y);
            var prefix = input.AsSpan(0, origins[0]);
            var replayed = Kind == Kind.DoubleSeasonal
                ? DoubleSeasonalHoltWinters.Fit(prefix, DailyPeriod, Period, Phis, Leads, Stride).Replay(input, origins, leads)
                : HoltWinters.Fit(prefix, Period, Phis).Replay(input, origins, leads);
            for (var k = 0; k < origins.Length; k++)
            {
                forecasts[k] = (replayed[k] ?? new double[leads]).Select(Back).ToArray();
            }

            return forecasts;
        }

        // Mean and standard deviation on the model's scale: the logarithm's for a log model, whose forecast is then the
        // median exp(m).
        public (double[] Mean, double[] Sd, string Parameters) Run(double[] y, int steps)
        {
            if (Kind == Kind.DoubleSeasonal)
            {
                var model = DoubleSeasonalHoltWinters.Fit(Scaled(y), DailyPeriod, Period, Phis, Leads, Stride);
                var (mean, sd) = model.Forecast(steps);
                return (mean, sd, model.Parameters + (Log ? ", on the logarithm" : string.Empty));
            }

            if (Kind == Kind.HoltWinters)
            {
                var model = HoltWinters.Fit(Scaled(y), Period, Phis);
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

        private double[] Scaled(double[] y) => Log ? y.Select(v => Math.Log(v)).ToArray() : y;
    }
}
