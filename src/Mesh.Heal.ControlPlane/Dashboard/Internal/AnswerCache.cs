namespace Mesh.Heal.ControlPlane.Dashboard.Internal;

/// <summary>The event streams' answers, shared between connections for a short while: every open dashboard asks for the same
/// six answers each refresh, and with the same token the answer is the same.</summary>
/// <remarks>Keyed by the call and the caller's whole <c>authorization</c> header, so one token never gets another's answer
/// (nor a refusal another's data). Only finished answers are kept: a computation in flight belongs to the connection that
/// started it, and ends with it.</remarks>
internal sealed class AnswerCache(TimeProvider time)
{
    /// <summary>Entries kept before the stale ones are dropped.</summary>
    public const int MaxEntries = 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Method, string Query, string? Authorization), (DateTimeOffset At, int Status, string Body)> _entries = [];

    /// <summary>The answer to the call kept within <paramref name="maxAge"/>, or the one <paramref name="compute"/> gives now (then kept).</summary>
    public async Task<(int Status, string Body)> GetAsync(
        string method, string query, string? authorization, TimeSpan maxAge, Func<Task<(int Status, string Body)>> compute)
    {
        var key = (method, query, authorization);
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var kept) && time.GetUtcNow() - kept.At < maxAge)
            {
                return (kept.Status, kept.Body);
            }
        }

        var (status, body) = await compute();
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_entries.Count >= MaxEntries)
            {
                foreach (var stale in _entries.Where(e => now - e.Value.At >= maxAge).Select(e => e.Key).ToList())
                {
                    _entries.Remove(stale);
                }
            }

            if (_entries.Count < MaxEntries)
            {
                _entries[key] = (now, status, body);
            }
        }

        return (status, body);
    }
}
