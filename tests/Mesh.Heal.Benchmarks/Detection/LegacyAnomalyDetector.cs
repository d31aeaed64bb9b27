using Mesh.Heal.Agents.Anomalies;
using Mesh.Heal.Agents.Anomalies.Internal;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.Benchmarks.Detection;

/// <summary>The anomaly detector as it was before issue 16, the benchmark's "old detector" baseline: the product's
/// <see cref="SeasonalModel"/> (unchanged since then, with the same default options) and the raw-deviation score it used,
/// 0 up to <see cref="AnomalyDetectorOptions.ClipAt"/> scales, then 1 − exp(−over²/2): about 0.39 one scale past it,
/// 0.86 two past, 0.99 three past. No probation, no likelihood, no suppression.</summary>
internal static class LegacyAnomalyDetector
{
    /// <summary>Scores every point of <paramref name="points"/> with a fresh model.</summary>
    public static IReadOnlyList<double> ScoreAll(IReadOnlyList<SeriesPoint> points)
    {
        var options = new AnomalyDetectorOptions();
        var model = new SeasonalModel(options);
        var scores = new double[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            var over = Math.Max(0, Math.Abs(model.Update(points[i].Time, points[i].Value)) - options.ClipAt);
            scores[i] = 1 - Math.Exp(-over * over / 2);
        }

        return scores;
    }
}
