using System.Globalization;

namespace Mesh.Heal.Agents.CircuitBreaker.Internal;

/// <summary>When an upstream in an outage will answer again, and how sure that is.</summary>
/// <param name="Remaining">The time left, or null when nothing supports a figure.</param>
/// <param name="Confidence">From 0 to 1.</param>
/// <param name="Basis">What the estimate rests on, for the operator.</param>
internal sealed record RecoveryEstimate(TimeSpan? Remaining, double Confidence, string Basis)
{
    public void AddTo(IDictionary<string, string> evidence)
    {
        evidence["recovery.eta"] = Remaining is { } r ? Format(r) : "unknown";
        evidence["recovery.confidence"] = Confidence.ToString("0.00", CultureInfo.InvariantCulture);
        evidence["recovery.basis"] = Basis;
    }

    public static string Format(TimeSpan t) =>
        t.TotalSeconds < 90 ? $"{t.TotalSeconds:0}s" : t.TotalMinutes < 90 ? $"{t.TotalMinutes:0.#}m" : $"{t.TotalHours:0.#}h";
}

/// <summary>Estimates recovery from the upstream's past outages and from the probes of its callers now.</summary>
internal static class RecoveryEstimator
{
    /// <param name="past">The upstream's ended outages.</param>
    /// <param name="elapsed">How long the current outage has lasted.</param>
    /// <param name="recovering">Caller instances whose breaker probes now succeed (half-open or ramping), out of <paramref name="observers"/>.</param>
    /// <param name="observers">Caller instances that see the upstream.</param>
    /// <param name="ramp">The longest recovery ramp among those callers.</param>
    public static RecoveryEstimate Estimate(IReadOnlyList<TimeSpan> past, TimeSpan elapsed, int recovering, int observers, TimeSpan ramp)
    {
        if (recovering > 0)
        {
            // Probes succeed: what is left is the ramp, and the more callers see it the surer it is.
            var share = (double)recovering / Math.Max(1, observers);
            return new(ramp, Math.Round(0.5 + (0.4 * share), 2), $"probes succeed at {recovering} of {observers} callers; the recovery ramp takes {RecoveryEstimate.Format(ramp)}");
        }

        if (past.Count == 0)
        {
            return new(null, 0, "no past outage in the stored history, and no probe succeeds yet");
        }

        var sorted = past.Order().ToList();
        var median = sorted[sorted.Count / 2];
        var confidence = Math.Round(Math.Min(0.9, sorted.Count / (sorted.Count + 2.0)), 2);
        var basis = $"{sorted.Count} past outages, median {RecoveryEstimate.Format(median)}, longest {RecoveryEstimate.Format(sorted[^1])}; this one has lasted {RecoveryEstimate.Format(elapsed)}";
        if (median > elapsed)
        {
            return new(median - elapsed, confidence, basis);
        }

        // Longer than most: what the longer ones did is the best guide left, with less confidence.
        var longer = sorted.Where(d => d > elapsed).ToList();
        return longer.Count == 0
            ? new(null, Math.Round(confidence / 4, 2), basis + ", longer than every past outage")
            : new(longer[longer.Count / 2] - elapsed, Math.Round(confidence / 2, 2), basis);
    }
}
