namespace Mesh.Heal.Agents.Anomalies.Internal;

/// <summary>Turns a stream of signed residuals into a calibrated anomaly likelihood, after Numenta's anomaly likelihood
/// (Ahmad et al., 2017): the mean of the last few values is compared with the normal distribution fitted to such means
/// over a long history, and its two-sided tail probability becomes a log-scaled score in [0, 1].</summary>
/// <remarks>The score is ln(tail) / ln(10⁻¹⁰): 0.5 for a one-in-10⁵ mean, 1 from one-in-10¹⁰ on. Signed values, not
/// magnitudes: a normal fitted to |z| has a far thinner tail than |z| itself, and called a 3.8σ point of plain noise one in
/// 10¹⁰. The history holds the last <c>historyLength</c> means; the score is 0 until it holds <c>minimumHistory</c>.</remarks>
internal sealed class AnomalyLikelihood(int averagingWindow, int historyLength, int minimumHistory, double minimumDeviation)
{
    private static readonly double LogFloor = Math.Log(1e-10);
    private readonly Queue<double> _recent = new();
    private readonly Queue<double> _history = new();
    private double _recentSum;
    private double _sum;
    private double _sumSquares;

    /// <summary>Adds the next residual and returns the likelihood score of the mean it closes.</summary>
    public double Update(double raw)
    {
        _recent.Enqueue(raw);
        _recentSum += raw;
        if (_recent.Count > averagingWindow)
        {
            _recentSum -= _recent.Dequeue();
        }

        var mean = _recentSum / _recent.Count;
        var score = 0.0;
        if (_history.Count >= minimumHistory)
        {
            var m = _sum / _history.Count;
            var variance = Math.Max(0, (_sumSquares / _history.Count) - (m * m));
            var deviation = Math.Max(Math.Sqrt(variance), minimumDeviation);
            var x = (mean - m) / deviation;
            score = Math.Clamp((Math.Log(2) + LogUpperTail(Math.Abs(x))) / LogFloor, 0, 1);
        }

        _history.Enqueue(mean);
        _sum += mean;
        _sumSquares += mean * mean;
        if (_history.Count > historyLength)
        {
            var old = _history.Dequeue();
            _sum -= old;
            _sumSquares -= old * old;
        }

        return score;
    }

    /// <summary>ln P(Z &gt; x) for a standard normal Z, accurate in the far tail (Numerical Recipes' erfc, fractional error
    /// below 1.2·10⁻⁷, taken in logs so that it does not underflow).</summary>
    internal static double LogUpperTail(double x)
    {
        if (x <= 0)
        {
            return Math.Log(1 - (0.5 * Math.Exp(LogErfc(-x / Math.Sqrt(2)))));
        }

        return Math.Log(0.5) + LogErfc(x / Math.Sqrt(2));
    }

    private static double LogErfc(double z)
    {
        var t = 1 / (1 + (0.5 * z));
        var poly = -z * z - 1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418 + (t * (-0.18628806 + (t * (0.27886807
            + (t * (-1.13520398 + (t * (1.48851587 + (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
        return Math.Log(t) + poly;
    }
}
