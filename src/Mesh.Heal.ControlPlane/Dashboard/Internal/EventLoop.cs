using System.Text.Json.Nodes;

namespace Mesh.Heal.ControlPlane.Dashboard.Internal;

/// <summary>The server-sent events of one <c>/v1/events</c> connection: each kind's answer on connect, then again whenever
/// it differs from what this connection last got, checked every refresh interval, and a keep-alive comment now and then.</summary>
/// <remarks>Two answers differ when their JSON does once the top-level <c>time</c>, <c>from</c> and <c>to</c> are left out:
/// those only say when the answer was made (the status's time, the report's window), so an unchanged mesh sends nothing.</remarks>
internal static class EventLoop
{
    private static readonly string[] Clock = ["time", "from", "to"];

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled or <paramref name="answer"/> refuses.</summary>
    /// <param name="kinds">The event names, in the order they are sent each round.</param>
    /// <param name="answer">A kind's JSON now (one line); null to skip it this round (the store is down); throws
    /// <see cref="UnauthorizedAccessException"/> to end the stream (the token is no longer accepted).</param>
    /// <param name="write">Writes text to the client and flushes it.</param>
    /// <param name="options">The refresh and keep-alive intervals.</param>
    /// <param name="time">The clock the intervals run on.</param>
    /// <param name="cancellationToken">The connection's end.</param>
    public static async Task RunAsync(
        IReadOnlyList<string> kinds, Func<string, CancellationToken, Task<string?>> answer, Func<string, CancellationToken, Task> write,
        DashboardOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var sent = new Dictionary<string, string>(StringComparer.Ordinal);
        var keepAliveAt = time.GetUtcNow() + options.KeepAliveInterval;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var kind in kinds)
                {
                    if (await answer(kind, cancellationToken) is not { } json)
                    {
                        continue;
                    }

                    var key = Key(json);
                    if (sent.TryGetValue(kind, out var last) && last == key)
                    {
                        continue;
                    }

                    sent[kind] = key;
                    await write($"event: {kind}\ndata: {json}\n\n", cancellationToken);
                }

                if (time.GetUtcNow() >= keepAliveAt)
                {
                    keepAliveAt = time.GetUtcNow() + options.KeepAliveInterval;
                    await write(": keep-alive\n\n", cancellationToken);
                }

                await Task.Delay(options.RefreshInterval, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (IOException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away while an event was being written.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>What is compared: <paramref name="json"/> without its top-level clock fields.</summary>
    public static string Key(string json)
    {
        if (JsonNode.Parse(json) is not JsonObject root)
        {
            return json;
        }

        foreach (var name in Clock)
        {
            root.Remove(name);
        }

        return root.ToJsonString();
    }
}
