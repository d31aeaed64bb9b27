using System.Collections.Concurrent;
using System.Net;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>Steady GET traffic from a few concurrent callers, recording every answer in order, until stopped (60 s at most).</summary>
internal sealed class Traffic : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private readonly Task[] _workers;

    public Traffic(HttpClient client, string path, int callers = 4) =>
        _workers = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                using var response = await client.GetAsync(path);
                Results.Enqueue((response.StatusCode, await response.Content.ReadAsStringAsync()));
            }
        })).ToArray();

    public ConcurrentQueue<(HttpStatusCode Status, string Body)> Results { get; } = new();

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
