using System.Globalization;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Agents.CircuitBreaker.Internal;

/// <summary>How a set of breaker thresholds would have done on an edge's history.</summary>
/// <param name="Detected">Outages during which it tripped.</param>
/// <param name="Outages">Outages in the history.</param>
/// <param name="NoiseTrips">Trips outside every outage: failures too short to be one.</param>
/// <param name="MeanDelay">Mean time from an outage's start to the trip, over the detected ones.</param>
internal sealed record ReplayResult(int Detected, int Outages, int NoiseTrips, TimeSpan MeanDelay)
{
    public int Missed => Outages - Detected;

    /// <summary>Fewer missed outages first, then fewer noise trips, then earlier.</summary>
    public bool BetterThan(ReplayResult other) =>
        (Missed, NoiseTrips, MeanDelay).CompareTo((other.Missed, other.NoiseTrips, other.MeanDelay)) < 0;

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"{Detected}/{Outages} outages tripped, {NoiseTrips} noise trips, mean delay {MeanDelay.TotalSeconds:0.0} s");
}

/// <summary>Replays per-second history through a model of the sidecar's ratio breaker.</summary>
/// <remarks>
/// The model trips when, over the sampling window, attempts reach the minimum throughput and failures reach the ratio;
/// it stays open for the break duration and starts a fresh window after. It works on every instance's sum at 1 s
/// resolution, so it is a guide to thresholds, not a per-instance simulation; the run-of-failures trip is not modelled.
/// </remarks>
internal static class BreakerReplay
{
    private static readonly double[] Ratios = [0.25, 0.5, 0.75];
    private static readonly int[] Throughputs = [5, 10, 20, 50];
    private static readonly int[] SamplingSeconds = [2, 5, 10, 30];

    public static ReplayResult Run(IReadOnlyList<EdgeSample> samples, IReadOnlyList<Outage> outages, CircuitBreakerPolicy breaker)
    {
        var window = Math.Max(1, (int)Math.Round(breaker.SamplingDuration.TotalSeconds));
        var breakSeconds = Math.Max(1, (int)Math.Ceiling(breaker.BreakDuration.TotalSeconds));
        var detected = new DateTimeOffset?[outages.Count];
        var noise = 0;
        var recent = new Queue<EdgeSample>();
        long attempts = 0, failures = 0;
        var openUntil = DateTimeOffset.MinValue;
        foreach (var s in samples)
        {
            if (s.Time < openUntil)
            {
                continue;
            }

            recent.Enqueue(s);
            attempts += s.Attempts;
            failures += s.Failures;
            while (recent.Peek().Time <= s.Time.AddSeconds(-window))
            {
                var old = recent.Dequeue();
                attempts -= old.Attempts;
                failures -= old.Failures;
            }

            if (attempts < breaker.MinimumThroughput || attempts == 0 || (double)failures / attempts < breaker.FailureRatio)
            {
                continue;
            }

            var index = IndexOf(outages, s.Time);
            if (index < 0)
            {
                noise++;
            }
            else
            {
                detected[index] ??= s.Time;
            }

            openUntil = s.Time.AddSeconds(breakSeconds);
            recent.Clear();
            attempts = failures = 0;
        }

        var delays = detected.Select((d, i) => d - outages[i].Start).OfType<TimeSpan>().ToList();
        return new ReplayResult(delays.Count, outages.Count, noise, delays.Count == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(delays.Average(d => d.TotalSeconds)));
    }

    /// <summary>The candidate thresholds that replay best, with the current ones' result; null when no candidate beats them on missed outages or noise.</summary>
    public static (CircuitBreakerPolicy Proposed, ReplayResult Result, ReplayResult Current)? Tune(
        IReadOnlyList<EdgeSample> samples, IReadOnlyList<Outage> outages, CircuitBreakerPolicy current)
    {
        var now = Run(samples, outages, current);
        (CircuitBreakerPolicy Policy, ReplayResult Result)? best = null;
        foreach (var ratio in Ratios)
        {
            foreach (var throughput in Throughputs)
            {
                foreach (var seconds in SamplingSeconds)
                {
                    var candidate = current with { FailureRatio = ratio, MinimumThroughput = throughput, SamplingDuration = TimeSpan.FromSeconds(seconds) };
                    var result = Run(samples, outages, candidate);
                    if (best is null || result.BetterThan(best.Value.Result))
                    {
                        best = (candidate, result);
                    }
                }
            }
        }

        return best is { } b && (b.Result.Missed, b.Result.NoiseTrips).CompareTo((now.Missed, now.NoiseTrips)) < 0 ? (b.Policy, b.Result, now) : null;
    }

    private static int IndexOf(IReadOnlyList<Outage> outages, DateTimeOffset time)
    {
        for (var i = 0; i < outages.Count; i++)
        {
            if (time >= outages[i].Start && (outages[i].End is not { } end || time < end))
            {
                return i;
            }
        }

        return -1;
    }
}
