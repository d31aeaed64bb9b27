using System.Diagnostics;

namespace Mesh.Heal.Chaos;

/// <summary>What a caller got.</summary>
internal enum Outcome
{
    /// <summary>2xx from the primary.</summary>
    Primary,

    /// <summary>2xx served by a fallback (the sidecar's <c>x-meshheal-fallback</c> header).</summary>
    Fallback,

    /// <summary>Anything else: an error status, a refused or reset connection, or no answer within the caller's deadline.</summary>
    Failed,
}

/// <summary>One request: which target, when it was sent (from the start of the run), how long it took, what the caller got.</summary>
internal readonly record struct Sample(int Target, TimeSpan SentAt, TimeSpan Latency, Outcome Outcome);

/// <summary>A step of a fault script: run at <see cref="At"/>; the time it finished is what the figures count from.</summary>
internal sealed record ScriptStep(TimeSpan At, string Label, Func<Task> Action);

/// <summary>Open-loop traffic at a fixed rate to several targets at once (the same request to each, every tick), with a fault script.</summary>
/// <remarks>
/// Open loop: a slow answer does not slow the sending, as with real callers, so a hanging upstream shows as queued
/// requests. A target with several addresses is a caller balancing round robin over replicas by itself. With
/// <c>rateAt</c> the rate follows that function of the time into the run (growing traffic) instead of staying at <c>rate</c>.
/// </remarks>
internal sealed class Traffic(IReadOnlyList<Uri[]> targets, int rate, TimeSpan duration, TimeSpan callerDeadline, Func<TimeSpan, double>? rateAt = null)
{
    public const string FallbackHeader = "x-meshheal-fallback";

    /// <summary>Runs the traffic and the script on <paramref name="clock"/>; returns every request and when each step finished.</summary>
    /// <param name="script">The fault script.</param>
    /// <param name="clock">The run's clock, which the samples and the script's times are on.</param>
    /// <param name="cancellationToken">Abandons the run (the samples with it).</param>
    /// <param name="stop">Ends the sending before the duration when a scenario runs until its own conditions are met rather
    /// than on a script; the requests in flight are awaited and every sample is returned.</param>
    public async Task<(IReadOnlyList<Sample> Samples, IReadOnlyDictionary<string, TimeSpan> Done)> RunAsync(
        IReadOnlyList<ScriptStep> script, Stopwatch clock, CancellationToken cancellationToken, CancellationToken stop = default)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stop);
        using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        var samples = new List<Sample>((int)(rate * duration.TotalSeconds * targets.Count) + 16);
        var done = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var steps = new List<Task>();
        var inFlight = new List<Task>();
        var next = 0;
        var total = rateAt is null ? (long)(rate * duration.TotalSeconds) : long.MaxValue;
        var due = TimeSpan.Zero;
        for (long i = 0; i < total && due < duration && !either.IsCancellationRequested; i++)
        {
            due = rateAt is null ? TimeSpan.FromSeconds((double)i / rate) : due + TimeSpan.FromSeconds(1 / Math.Max(1, rateAt(due)));
            if (due - clock.Elapsed is { } wait && wait > TimeSpan.FromMilliseconds(1))
            {
                try
                {
                    await Task.Delay(wait, either.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }

            while (next < script.Count && clock.Elapsed >= script[next].At)
            {
                steps.Add(RunStepAsync(script[next++], clock, done));
            }

            for (var t = 0; t < targets.Count; t++)
            {
                var addresses = targets[t];
                inFlight.Add(SendAsync(client, new Uri(addresses[(int)(i % addresses.Length)], "/orders/1"), t, clock, samples));
            }

            if (inFlight.Count >= 1024)
            {
                inFlight.RemoveAll(x => x.IsCompleted);
            }
        }

        await Task.WhenAll(inFlight);
        await Task.WhenAll(steps);
        lock (samples)
        {
            return (samples.OrderBy(s => s.SentAt).ToList(), done);
        }
    }

    private static async Task RunStepAsync(ScriptStep step, Stopwatch clock, Dictionary<string, TimeSpan> done)
    {
        await step.Action();
        lock (done)
        {
            done[step.Label] = clock.Elapsed;
        }
    }

    private async Task SendAsync(HttpClient client, Uri uri, int target, Stopwatch clock, List<Sample> samples)
    {
        var sentAt = clock.Elapsed;
        Outcome outcome;
        using (var deadline = new CancellationTokenSource(callerDeadline))
        {
            try
            {
                using var response = await client.GetAsync(uri, deadline.Token);
                await response.Content.LoadIntoBufferAsync(deadline.Token);
                outcome = !response.IsSuccessStatusCode ? Outcome.Failed
                    : response.Headers.Contains(FallbackHeader) ? Outcome.Fallback : Outcome.Primary;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                outcome = Outcome.Failed;
            }
        }

        var sample = new Sample(target, sentAt, clock.Elapsed - sentAt, outcome);
        lock (samples)
        {
            samples.Add(sample);
        }
    }
}
