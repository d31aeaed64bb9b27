using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Agents.Forecasting;

/// <summary>Double-seasonal exponential smoothing (a daily and a weekly season) with a damped trend and a first-order
/// autoregressive error adjustment (Taylor, 2003), whose states are updated from a Huber-cleaned error so that a day far
/// off the model (a holiday, an outage, a surge) is not copied into next week's season (Gelper, Fried &amp; Croux, 2010).</summary>
/// <remarks>
/// <para>
/// With the base b = l + φb + d + w and the raw error r = y − base, the forecast k steps ahead is
/// l + (φ + … + φ^k)·b + d + w + ρ^k·r: the level, daily and weekly slots move by α, δ and ω times the cleaned error
/// r* = clamp(r, ±c·σ), where σ is a robust scale of r updated with a bounded (Huber) ρ over about a week. The
/// autoregressive term uses the raw error: it fades within the day, so a surge carries into the next hours without
/// being learnt as the season.
/// </para>
/// <para>
/// The parameters are chosen by coordinate descent over small grids, on the mean absolute error of the forecasts that
/// will be used: <c>leads</c> steps ahead from origins every <c>stride</c> steps, aligned with the history's end (a
/// day-ahead forecast from midnight is judged as day-ahead forecasts from midnight). The absolute error keeps a holiday in
/// the history from dictating the parameters.
/// </para>
/// </remarks>
internal sealed class DoubleSeasonalHoltWinters
{
    private static readonly double[] Alphas = [0.001, 0.003, 0.01, 0.02, 0.05, 0.1, 0.2];
    private static readonly double[] BetaShares = [0, 0.01, 0.05];
    private static readonly double[] Deltas = [0, 0.01, 0.03, 0.1, 0.2, 0.35];
    private static readonly double[] Omegas = [0, 0.01, 0.03, 0.1, 0.2, 0.35];
    private static readonly double[] Ars = [0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995];
    private static readonly double[] Cleanings = [2, 3, double.PositiveInfinity];

    private readonly Settings _p;
    private readonly int _day;
    private readonly int _week;
    private readonly double[] _d;
    private readonly double[] _w;
    private double _level;
    private double _trend;
    private double _r;
    private double _scale;
    private int _t;

    private DoubleSeasonalHoltWinters(Settings p, int day, int week)
    {
        _p = p;
        _day = day;
        _week = week;
        _d = new double[day];
        _w = new double[week];
    }

    /// <summary>The one-step residual standard deviation of the fit.</summary>
    public double Sigma { get; private set; }

    /// <summary>A one-line description of the fitted parameters.</summary>
    public string Parameters => FormattableString.Invariant(
        $"alpha {_p.Alpha:0.####}, beta {_p.Alpha * _p.BetaShare:0.#####}, phi {_p.Phi:0.#####}, delta {_p.Delta:0.###}, omega {_p.Omega:0.###}, ar {_p.Ar:0.###}, ")
        + (double.IsPositiveInfinity(_p.Clean) ? "no cleaning" : FormattableString.Invariant($"cleaned beyond {_p.Clean:0} scales"));

    /// <summary>Fits the model with a daily season of <paramref name="day"/> steps and a weekly one of
    /// <paramref name="week"/> steps to <paramref name="y"/> (at least two weeks).</summary>
    /// <param name="y">The series, one value a step.</param>
    /// <param name="day">The daily season in steps.</param>
    /// <param name="week">The weekly season in steps (a multiple of <paramref name="day"/>).</param>
    /// <param name="phis">The trend damping factors per step to try.</param>
    /// <param name="leads">How many steps ahead the forecasts judged reach.</param>
    /// <param name="stride">The steps between the judged origins.</param>
    public static DoubleSeasonalHoltWinters Fit(ReadOnlySpan<double> y, int day, int week, ReadOnlySpan<double> phis, int leads, int stride)
    {
        var best = new Settings(0.02, 0, phis[0], 0.1, 0.1, 0.9, 3);
        var bestError = new DoubleSeasonalHoltWinters(best, day, week).Objective(y, leads, stride, double.PositiveInfinity);
        var grids = new[] { Alphas, BetaShares, phis.ToArray(), Deltas, Omegas, Ars, Cleanings };
        for (var round = 0; round < 3; round++)
        {
            var improved = false;
            for (var g = 0; g < grids.Length; g++)
            {
                if (g == 2 && best.BetaShare == 0)
                {
                    continue; // without a trend the damping changes nothing
                }

                foreach (var value in grids[g])
                {
                    var trial = best.With(g, value);
                    if (trial == best)
                    {
                        continue;
                    }

                    var error = new DoubleSeasonalHoltWinters(trial, day, week).Objective(y, leads, stride, bestError);
                    if (error < bestError)
                    {
                        (best, bestError, improved) = (trial, error, true);
                    }
                }
            }

            if (!improved)
            {
                break;
            }
        }

        var model = new DoubleSeasonalHoltWinters(best, day, week);
        model.Run(y, y.Length, null, null, 0);
        return model;
    }

    /// <summary>The same parameters run over <paramref name="y"/>, returning the forecasts <paramref name="leads"/> steps
    /// ahead made at each of <paramref name="origins"/> (ascending) from the history before it.</summary>
    public double[][] Replay(ReadOnlySpan<double> y, int[] origins, int leads)
    {
        var model = new DoubleSeasonalHoltWinters(_p, _day, _week);
        var forecasts = new double[origins.Length][];
        model.Run(y, origins.Length > 0 ? origins[0] : y.Length, origins, forecasts, leads);
        return forecasts;
    }

    /// <summary>The forecast 1…<paramref name="steps"/> steps past the fit, with an approximate standard deviation of each
    /// step (the additive model's, the autoregressive term left out).</summary>
    public (double[] Mean, double[] Sd) Forecast(int steps)
    {
        var mean = new double[steps];
        var sd = new double[steps];
        Means(mean);
        var beta = _p.Alpha * _p.BetaShare;
        var damped = 0.0;
        var power = 1.0;
        var variance = 0.0;
        for (var h = 1; h <= steps; h++)
        {
            if (h > 1)
            {
                var j = h - 1;
                var c = _p.Alpha + (beta * damped) + (j % _day == 0 ? _p.Delta : 0) + (j % _week == 0 ? _p.Omega : 0);
                variance += c * c;
            }

            power *= _p.Phi;
            damped += power;
            sd[h - 1] = Sigma * Math.Sqrt(1 + variance);
        }

        return (mean, sd);
    }

    private void Means(Span<double> mean)
    {
        var damped = 0.0;
        var power = 1.0;
        var ar = 1.0;
        for (var h = 1; h <= mean.Length; h++)
        {
            power *= _p.Phi;
            damped += power;
            ar *= _p.Ar;
            var i = _t + h - 1;
            mean[h - 1] = _level + (damped * _trend) + _d[i % _day] + _w[i % _week] + (ar * _r);
        }
    }

    // The mean absolute error of the forecasts leads steps ahead from every stride-th origin counted back from the end,
    // after a week's warm-up; stops once the sum passes the best so far's.
    private double Objective(ReadOnlySpan<double> y, int leads, int stride, double stopAbove)
    {
        Initialize(y, y.Length);
        Span<double> mean = stackalloc double[Math.Min(leads, 1024)];
        var total = 0;
        for (var t = y.Length - stride; t >= _week; t -= stride)
        {
            total += Math.Min(mean.Length, y.Length - t);
        }

        // The same origins for every setting, so a sum past the best mean times their count cannot end below it.
        var stop = stopAbove * total;
        var sum = 0.0;
        for (var t = 0; t < y.Length; t++)
        {
            if (t >= _week && (y.Length - t) % stride == 0)
            {
                _t = t;
                var n = Math.Min(mean.Length, y.Length - t);
                Means(mean[..n]);
                for (var h = 0; h < n; h++)
                {
                    sum += Math.Abs(y[t + h] - mean[h]);
                }

                if (sum > stop)
                {
                    return double.PositiveInfinity;
                }
            }

            Step(y[t], t);
        }

        return total == 0 ? double.PositiveInfinity : sum / total;
    }

    // Runs over y from its start (initialized from y before initEnd), leaving the final state; when origins are given,
    // stores the leads-step forecast made just before each.
    private void Run(ReadOnlySpan<double> y, int initEnd, int[]? origins, double[][]? forecasts, int leads)
    {
        Initialize(y, initEnd);
        var next = 0;
        var sse = 0.0;
        var counted = 0;
        for (var t = 0; t < y.Length; t++)
        {
            while (origins is not null && next < origins.Length && origins[next] == t)
            {
                _t = t;
                forecasts![next] = new double[leads];
                Means(forecasts[next]);
                next++;
            }

            var e = Step(y[t], t);
            if (t >= _week)
            {
                sse += e * e;
                counted++;
            }
        }

        _t = y.Length;
        Sigma = counted > 1 ? Math.Sqrt(sse / counted) : 0;
    }

    // One step of the recursions; returns the one-step error of the autoregression-adjusted forecast.
    private double Step(double y, int t)
    {
        var slotD = t % _day;
        var slotW = t % _week;
        var beta = _p.Alpha * _p.BetaShare;
        var damped = _p.Phi * _trend;
        var baseline = _level + damped + _d[slotD] + _w[slotW];
        var r = y - baseline;
        var oneStep = r - (_p.Ar * _r);
        var limit = _p.Clean * _scale;
        var cleaned = double.IsPositiveInfinity(_p.Clean) ? r : Math.Clamp(r, -limit, limit);
        _level += damped + (_p.Alpha * cleaned);
        _trend = damped + (beta * cleaned);
        _d[slotD] += _p.Delta * cleaned;
        _w[slotW] += _p.Omega * cleaned;
        _r = cleaned;
        if (_scale > 0 && !double.IsPositiveInfinity(_p.Clean))
        {
            // Huber's bounded ρ, normalized so that a normal error keeps the scale where it is; about a week's memory.
            var x = r / _scale;
            var rho = Math.Min(x * x, _p.Clean * _p.Clean) / Consistency(_p.Clean);
            _scale *= Math.Sqrt(1 + ((rho - 1) / _week));
        }

        return oneStep;
    }

    // E[min(Z², c²)] for a standard normal Z.
    private static double Consistency(double c)
    {
        var tail = 1 - Normal.Cdf(c);
        var density = Math.Exp(-c * c / 2) / Math.Sqrt(2 * Math.PI);
        return 1 - (2 * tail) - (2 * c * density) + (2 * c * c * tail);
    }

    // Level, daily and weekly slots from the medians of up to six whole weeks before initEnd (a median, so a holiday in
    // them does not become the season); the scale from the mean absolute deviation from that start.
    private void Initialize(ReadOnlySpan<double> y, int initEnd)
    {
        Array.Clear(_d);
        Array.Clear(_w);
        _trend = 0;
        _r = 0;
        _t = 0;
        var weeks = Math.Clamp(Math.Min(initEnd, y.Length) / _week, 1, 6);
        var days = weeks * (_week / _day);
        var span = Math.Min(weeks * _week, y.Length);
        var dayMeans = new double[days];
        for (var k = 0; k < days; k++)
        {
            var sum = 0.0;
            var n = 0;
            for (var s = 0; s < _day && (k * _day) + s < span; s++)
            {
                sum += y[(k * _day) + s];
                n++;
            }

            dayMeans[k] = n > 0 ? sum / n : 0;
        }

        var weekMeans = new double[weeks];
        for (var k = 0; k < weeks; k++)
        {
            var sum = 0.0;
            for (var j = 0; j < _week / _day; j++)
            {
                sum += dayMeans[(k * (_week / _day)) + j];
            }

            weekMeans[k] = sum / (_week / _day);
        }

        var buffer = new List<double>(Math.Max(days, weeks));
        for (var s = 0; s < _day; s++)
        {
            buffer.Clear();
            for (var k = 0; k < days && (k * _day) + s < span; k++)
            {
                buffer.Add(y[(k * _day) + s] - dayMeans[k]);
            }

            _d[s] = buffer.Count > 0 ? Trend.Median(buffer) : 0;
        }

        for (var j = 0; j < _week; j++)
        {
            buffer.Clear();
            for (var k = 0; k < weeks && (k * _week) + j < span; k++)
            {
                buffer.Add(y[(k * _week) + j] - weekMeans[k] - _d[j % _day]);
            }

            _w[j] = buffer.Count > 0 ? Trend.Median(buffer) : 0;
        }

        _level = weekMeans[0];
        var deviation = 0.0;
        for (var t = 0; t < span; t++)
        {
            deviation += Math.Abs(y[t] - (weekMeans[t / _week] + _d[t % _day] + _w[t % _week]));
        }

        _scale = Math.Max(1.25 * deviation / Math.Max(1, span), 1e-9 * (Math.Abs(_level) + 1));
    }

    private readonly record struct Settings(double Alpha, double BetaShare, double Phi, double Delta, double Omega, double Ar, double Clean)
    {
        public Settings With(int index, double value) => index switch
        {
            0 => this with { Alpha = value },
            1 => this with { BetaShare = value },
            2 => this with { Phi = value },
            3 => this with { Delta = value },
            4 => this with { Omega = value },
            5 => this with { Ar = value },
            _ => this with { Clean = value },
        };
    }
}
