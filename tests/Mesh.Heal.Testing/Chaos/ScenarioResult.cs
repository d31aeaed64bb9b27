using System.Globalization;

namespace Mesh.Heal.Chaos;

/// <summary>A check a scenario makes beyond the figures (a NACK was recorded, the breaker stayed closed), with what was seen.</summary>
internal sealed record ScenarioCheck(string Name, bool Passed, string Detail);

/// <summary>A cluster's health and breaker state as the sidecar's <c>/admin/state</c> showed them at <see cref="At"/>.</summary>
internal readonly record struct HealthPoint(TimeSpan At, string Health, string Breaker);

/// <summary>The figures of one scenario run, with the sidecar and direct, under the same load and fault script.</summary>
/// <remarks>JSON names are kept stable so results compare over time (see the chaos benchmark's <c>--json</c>).</remarks>
internal sealed record ScenarioResult(
    string Name,
    double Availability,
    int FailedWithSidecar,
    int FailedDirect,
    double? ReductionPercent,
    double? TimeToFallbackMs,
    double? TimeToRecoveryMs,
    double P50Ms,
    double P99Ms,
    int Requests,
    IReadOnlyList<ScenarioCheck> Checks)
{
    public const int WithSidecar = 0;
    public const int Direct = 1;

    /// <summary>Computes the figures from the samples: target 0 through the sidecar, target 1 direct.</summary>
    /// <param name="name">The scenario.</param>
    /// <param name="samples">Every request of the run.</param>
    /// <param name="fault">When the fault took effect; null for a scenario without an upstream fault.</param>
    /// <param name="heal">When the upstream was healthy again; null when it stayed down.</param>
    /// <param name="health">The watched cluster's states over the run: the fallback takes all traffic once its breaker is open,
    /// and recovery is complete when it is Healthy again (the ramp back to the primary done).</param>
    /// <param name="checks">The scenario's own checks.</param>
    public static ScenarioResult From(
        string name, IReadOnlyList<Sample> samples, TimeSpan? fault, TimeSpan? heal, IReadOnlyList<HealthPoint> health, IReadOnlyList<ScenarioCheck> checks)
    {
        var with = samples.Where(s => s.Target == WithSidecar).ToList();
        var failedWith = with.Count(s => s.Outcome == Outcome.Failed);
        var failedDirect = samples.Count(s => s.Target == Direct && s.Outcome == Outcome.Failed);
        var end = heal ?? TimeSpan.MaxValue;
        var during = fault is { } f ? with.Where(s => s.SentAt >= f && s.SentAt < end).ToList() : with;
        var latencies = during.Select(s => s.Latency.TotalMilliseconds).Order().ToList();
        return new ScenarioResult(
            name,
            with.Count == 0 ? 0 : 1 - (double)failedWith / with.Count,
            failedWith,
            failedDirect,
            failedDirect == 0 ? null : 100.0 * (failedDirect - failedWith) / failedDirect,
            fault is { } start ? Until(health, start, end, p => p.Breaker is "Open" or "Isolated") : null,
            heal is { } back ? Until(health, back, TimeSpan.MaxValue, p => p.Health == "Healthy") : null,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            with.Count,
            checks);
    }

    /// <summary>What target 1 is: <c>direct</c> (no sidecar), or another baseline such as <c>sidecars alone</c> (no agent).</summary>
    public string Baseline { get; init; } = "direct";

    public bool AllChecksPassed => Checks.All(c => c.Passed);

    /// <summary>A markdown table row in the column order of <see cref="TableHeader"/>.</summary>
    public string TableRow() => string.Create(CultureInfo.InvariantCulture,
        $"| {Name}{(Baseline == "direct" ? string.Empty : $" (target 1: {Baseline})")} | {Availability * 100:0.000} % | {FailedWithSidecar} | {FailedDirect} | {(ReductionPercent is { } r ? $"{r:0.0} %" : "n/a")} | {Ms(TimeToFallbackMs)} | {Ms(TimeToRecoveryMs)} | {P50Ms:0.0} | {P99Ms:0.0} | {(AllChecksPassed ? "yes" : "NO: " + string.Join("; ", Checks.Where(c => !c.Passed).Select(c => c.Name)))} |");

    public static string TableHeader =>
        "| scenario | availability | failed with sidecar | failed direct | reduction | to 100% fallback | to full recovery | p50 ms (fault) | p99 ms (fault) | checks |\n" +
        "|---|---|---|---|---|---|---|---|---|---|";

    public override string ToString() => TableRow() + (Checks.Count == 0 ? string.Empty : "\n  " + string.Join("\n  ", Checks.Select(c => $"{(c.Passed ? "ok  " : "FAIL")} {c.Name}: {c.Detail}")));

    private static string Ms(double? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:0} ms") : "n/a";

    /// <summary>The nearest-rank percentile <paramref name="p"/> (0 to 1) of ascending <paramref name="sorted"/>; 0 when empty.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>Milliseconds from <paramref name="from"/> to the first point before <paramref name="to"/> that meets <paramref name="state"/>.</summary>
    private static double? Until(IReadOnlyList<HealthPoint> health, TimeSpan from, TimeSpan to, Func<HealthPoint, bool> state) =>
        health.Where(p => p.At >= from && p.At < to).FirstOrDefault(state) is { Health: not null } point ? (point.At - from).TotalMilliseconds : null;
}
