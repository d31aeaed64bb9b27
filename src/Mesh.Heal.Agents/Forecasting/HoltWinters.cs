namespace Mesh.Heal.Agents.Forecasting;

/// <summary>Additive exponential smoothing with a damped trend and an optional additive season (ETS(A,Ad,A), ETS(A,Ad,N)),
/// in its error-correction form, with the analytic prediction variance of that model class.</summary>
/// <remarks>
/// <para>
/// The recursions (Hyndman et al., <i>Forecasting with Exponential Smoothing</i>, 2008, ch. 2): with the one-step error
/// e = y − (l + φb + s), the level moves by αe, the trend by βe, the season slot by γe. The h-step forecast is
/// l + (φ + … + φ^h)·b + s, and its variance σ²(1 + Σ_{j&lt;h} c_j²) with c_j = α + β(φ + … + φ^j) + γ·[j mod m = 0].
/// </para>
/// <para>Parameters are chosen by a grid search on the one-step squared error: the grids are small enough to fit a few
/// thousand points in milliseconds and coarse enough not to chase noise.</para>
/// </remarks>
internal sealed class HoltWinters
{
    private static readonly double[] Alphas = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75];
    private static readonly double[] BetaShares = [0, 0.01, 0.05, 0.15];
    private static readonly double[] Gammas = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7];

    private readonly double _alpha;
    private readonly double _beta;
    private readonly double _gamma;
    private readonly double _phi;
    private readonly int _period;
    private readonly double[] _season;
    private double _level;
    private double _trend;
    private int _t;

    private HoltWinters(double alpha, double beta, double gamma, double phi, int period)
    {
        _alpha = alpha;
        _beta = beta;
        _gamma = gamma;
        _phi = phi;
        _period = period;
        _season = new double[Math.Max(1, period)];
    }

    /// <summary>The one-step residual standard deviation of the fit.</summary>
    public double Sigma { get; private set; }

    /// <summary>The trend per step at the end of the fit (before damping).</summary>
    public double TrendPerStep => _trend;

    /// <summary>A one-line description of the fitted parameters.</summary>
    public string Parameters => FormattableString.Invariant($"alpha {_alpha:0.###}, beta {_beta:0.####}, gamma {_gamma:0.###}, phi {_phi:0.#####}");

    /// <summary>Fits the model with the season <paramref name="period"/> (0 or 1: none) to <paramref name="y"/> by grid search.</summary>
    /// <param name="y">The series, one value a step.</param>
    /// <param name="period">The season's length in steps.</param>
    /// <param name="phis">The damping factors per step to try (1 is no damping).</param>
    public static HoltWinters Fit(ReadOnlySpan<double> y, int period, ReadOnlySpan<double> phis)
    {
        var seasonal = period > 1;
        HoltWinters? best = null;
        var bestError = double.PositiveInfinity;
        foreach (var alpha in Alphas)
        {
            foreach (var share in BetaShares)
            {
                foreach (var phi in phis)
                {
                    if (share == 0 && phi != phis[0])
                    {
                        continue; // without a trend the damping changes nothing
                    }

                    foreach (var gamma in seasonal ? Gammas : [0.0])
                    {
                        // Keep γ ≤ 1 − α, the usual admissible region, so the season does not absorb the level's moves.
                        if (gamma > 1 - alpha)
                        {
                            continue;
                        }

                        var model = new HoltWinters(alpha, alpha * share, gamma, phi, seasonal ? period : 0);
                        var error = model.Run(y, bestError);
                        if (error < bestError)
                        {
                            bestError = error;
                            best = model;
                        }
                    }
                }
            }
        }

        return best ?? new HoltWinters(0.2, 0, 0, 1, 0).Trained(y);
    }

    /// <summary>The forecast 1…<paramref name="steps"/> steps past the fit, with each step's standard deviation.</summary>
    public (double[] Mean, double[] Sd) Forecast(int steps)
    {
        var mean = new double[steps];
        var sd = new double[steps];
        var damped = 0.0;
        var power = 1.0;
        var variance = 0.0;
        for (var h = 1; h <= steps; h++)
        {
            power *= _phi;
            damped += power;
            var season = _period > 1 ? _season[(_t + h - 1) % _period] : 0;
            mean[h - 1] = _level + (damped * _trend) + season;

            // c_{h-1} joins the sum for step h; c_0 is no term (the first step's variance is σ² alone).
            if (h > 1)
            {
                var dampedPrevious = damped - power;
                var c = _alpha + (_beta * dampedPrevious) + (_period > 1 && (h - 1) % _period == 0 ? _gamma : 0);
                variance += c * c;
            }

            sd[h - 1] = Sigma * Math.Sqrt(1 + variance);
        }

        return (mean, sd);
    }

    /// <summary>The same parameters run over <paramref name="y"/>, returning the forecasts <paramref name="leads"/> steps
    /// ahead made at each of <paramref name="origins"/> (ascending) from the history before it.</summary>
    public double[][] Replay(ReadOnlySpan<double> y, int[] origins, int leads)
    {
        var model = new HoltWinters(_alpha, _beta, _gamma, _phi, _period);
        var forecasts = new double[origins.Length][];
        model.Run(y, double.PositiveInfinity, origins, forecasts, leads);
        return forecasts;
    }

    private HoltWinters Trained(ReadOnlySpan<double> y)
    {
        Run(y, double.PositiveInfinity);
        return this;
    }

    // Runs the recursions over y, leaving the final state; returns the sum of squared one-step errors after the first
    // season (the warm-up), or stops early once it exceeds the best so far.
    private double Run(ReadOnlySpan<double> y, double stopAbove, int[]? origins = null, double[][]? forecasts = null, int leads = 0)
    {
        Initialize(y);
        var start = Math.Max(_period, 2);
        var sse = 0.0;
        var counted = 0;
        var next = 0;
        while (origins is not null && next < origins.Length && origins[next] < start)
        {
            next++;
        }

        for (var t = start; t < y.Length; t++)
        {
            while (origins is not null && next < origins.Length && origins[next] == t)
            {
                _t = t;
                forecasts![next++] = Forecast(leads).Mean;
            }

            var slot = t % Math.Max(1, _period);
            var season = _period > 1 ? _season[slot] : 0;
            var predicted = _level + (_phi * _trend) + season;
            var e = y[t] - predicted;
            _level += (_phi * _trend) + (_alpha * e);
            _trend = (_phi * _trend) + (_beta * e);
            if (_period > 1)
            {
                _season[slot] += _gamma * e;
            }

            sse += e * e;
            counted++;
            if (sse > stopAbove)
            {
                return double.PositiveInfinity;
            }
        }

        _t = y.Length;
        Sigma = counted > 1 ? Math.Sqrt(sse / counted) : 0;
        return sse;
    }

    // The classic start: the first season's mean is the level, the difference of the first two seasons' means the
    // trend, each slot's deviation from its season's mean the season.
    private void Initialize(ReadOnlySpan<double> y)
    {
        Array.Clear(_season);
        if (_period > 1 && y.Length >= 2 * _period)
        {
            double first = 0, second = 0;
            for (var i = 0; i < _period; i++)
            {
                first += y[i];
                second += y[i + _period];
            }

            first /= _period;
            second /= _period;
            for (var i = 0; i < _period; i++)
            {
                _season[i] = ((y[i] - first) + (y[i + _period] - second)) / 2;
            }

            _trend = _beta > 0 ? (second - first) / _period : 0;
            _level = first + (_trend * (_period - 1) / 2.0);
            return;
        }

        _level = y.Length > 1 ? y[1] : y.Length > 0 ? y[0] : 0;
        _trend = _beta > 0 && y.Length > 1 ? y[1] - y[0] : 0;
        if (_period > 1)
        {
            // Seasonal model on under two seasons: the slots start from the first season's deviations.
            var n = Math.Min(_period, y.Length);
            double mean = 0;
            for (var i = 0; i < n; i++)
            {
                mean += y[i];
            }

            mean /= Math.Max(1, n);
            _level = mean;
            for (var i = 0; i < n; i++)
            {
                _season[i] = y[i] - mean;
            }
        }
    }
}
