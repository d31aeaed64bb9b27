using System.Diagnostics;

namespace Mesh.Heal.Testing;

/// <summary>The one way a multi-process test waits: poll a condition until it holds or a deadline passes, and fail with
/// what it waited for and the last value it saw.</summary>
/// <remarks>
/// Failures the probe itself can meet while a process starts, restarts or is killed (a refused connection, an HTTP
/// timeout, an I/O error) count as "not yet", and the last of them is the last value seen. Anything else propagates.
/// Every process the harness has open adds its recent output to the failure (see <see cref="AddContext"/>).
/// </remarks>
internal static class Wait
{
    /// <summary>How long a wait lasts when the caller names no deadline.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(15);

    /// <summary>How often the condition is checked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    private static readonly List<Func<string>> Contexts = [];

    /// <summary>Adds a source of diagnostics (a live process's output) to every wait's failure message.</summary>
    public static void AddContext(Func<string> context)
    {
        lock (Contexts)
        {
            Contexts.Add(context);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> after the deadline.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null) =>
        UntilAsync(condition, static done => done, what, deadline);

    /// <summary>Polls a synchronous <paramref name="condition"/> until it holds; throws after the deadline.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null) =>
        UntilAsync(() => Task.FromResult(condition()), static done => done, what, deadline);

    /// <summary>Polls <paramref name="probe"/> until its value satisfies <paramref name="done"/> and returns that value;
    /// after the deadline throws <see cref="TimeoutException"/> with <paramref name="what"/> and the last value seen.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? deadline = null)
    {
        var (met, value, last) = await PollAsync(probe, done, deadline ?? DefaultDeadline);
        return met
            ? value!
            : throw new TimeoutException($"timed out after {(deadline ?? DefaultDeadline).TotalSeconds:0.#} s waiting until {what}; last value seen: {last}{Context()}");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes, and says which; for a check
    /// that reports its outcome (a chaos scenario's verdict) rather than failing the test.</summary>
    public static async Task<bool> TryUntilAsync(Func<Task<bool>> condition, TimeSpan? deadline = null) =>
        (await PollAsync(condition, static done => done, deadline ?? DefaultDeadline)).Met;

    private static async Task<(bool Met, T? Value, string Last)> PollAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan deadline)
    {
        var start = Stopwatch.GetTimestamp();
        var last = "nothing (the condition was never checked)";
        while (true)
        {
            try
            {
                var value = await probe();
                if (done(value))
                {
                    return (true, value, string.Empty);
                }

                last = value?.ToString() ?? "null";
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                last = $"{ex.GetType().Name}: {ex.Message}";
            }

            if (Stopwatch.GetElapsedTime(start) > deadline)
            {
                return (false, default, last);
            }

            await Task.Delay(Interval);
        }
    }

    private static string Context()
    {
        lock (Contexts)
        {
            return string.Concat(Contexts.Select(c => c()));
        }
    }
}
