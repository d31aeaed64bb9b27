using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Mesh.Heal.Chaos;

/// <summary>One policy write: where it went, what it said, and what the control plane answered.</summary>
/// <param name="Replica">The index of the replica it was sent to.</param>
/// <param name="Document">The document sent.</param>
/// <param name="SentAt">When it was sent, from the start of the writes.</param>
/// <param name="DoneAt">When the answer (or the failure) came.</param>
/// <param name="Version">The version the control plane acknowledged it with, or null when it did not.</param>
/// <param name="Error">Why it was not acknowledged.</param>
internal sealed record PolicyWrite(int Replica, string Document, TimeSpan SentAt, TimeSpan DoneAt, long? Version, string? Error)
{
    public bool Acknowledged => Version is not null;
}

/// <summary>Operators changing a service's policy all the time: a <c>PUT /v1/policies/{service}</c> every interval, each
/// to the next replica in turn (a killed one refuses), each document different so each makes a version; every write is
/// kept with its answer, so a test can check that nothing acknowledged was lost.</summary>
internal sealed class PolicyWriter : IAsyncDisposable
{
    private static readonly TimeSpan WriteDeadline = TimeSpan.FromSeconds(5);
    private readonly Func<int, Uri> _replica;
    private readonly int _replicas;
    private readonly string _service;
    private readonly Func<int, string> _document;
    private readonly TimeSpan _interval;
    private readonly List<PolicyWrite> _writes = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly HttpClient _client = new() { Timeout = WriteDeadline };
    private readonly Task _run;

    /// <param name="replica">Replica i's HTTP address (asked at each write: a replaced replica keeps its address).</param>
    /// <param name="replicas">How many replicas the writes go to, in turn.</param>
    /// <param name="service">The service whose policy changes.</param>
    /// <param name="document">The document of write n (from 1); a different one each time.</param>
    /// <param name="interval">From the start of one write to the start of the next.</param>
    public PolicyWriter(Func<int, Uri> replica, int replicas, string service, Func<int, string> document, TimeSpan interval)
    {
        _replica = replica;
        _replicas = replicas;
        _service = service;
        _document = document;
        _interval = interval;
        _run = RunAsync();
    }

    /// <summary>The time on the writes' clock, to compare with <see cref="PolicyWrite.SentAt"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Every write so far, in the order sent.</summary>
    public IReadOnlyList<PolicyWrite> Writes
    {
        get
        {
            lock (_writes)
            {
                return [.. _writes];
            }
        }
    }

    /// <summary>The acknowledged writes so far, in the order sent.</summary>
    public IReadOnlyList<PolicyWrite> Acknowledged => [.. Writes.Where(w => w.Acknowledged)];

    /// <summary>Stops writing once the write in flight has its answer.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _run;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _client.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var n = 0;
        while (!_stop.IsCancellationRequested)
        {
            var next = _clock.Elapsed + _interval;
            n++;
            var write = await WriteAsync((n - 1) % _replicas, _document(n));
            lock (_writes)
            {
                _writes.Add(write);
            }

            try
            {
                if (next - _clock.Elapsed is { } wait && wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<PolicyWrite> WriteAsync(int replica, string document)
    {
        var sentAt = _clock.Elapsed;
        try
        {
            using var content = new StringContent(document, System.Text.Encoding.UTF8, "application/yaml");
            using var response = await _client.PutAsync(new Uri(_replica(replica), $"/v1/policies/{_service}"), content);
            var body = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode
                ? new PolicyWrite(replica, document, sentAt, _clock.Elapsed, long.Parse(JsonDocument.Parse(body).RootElement.GetProperty("version").ToString(), CultureInfo.InvariantCulture), null)
                : new PolicyWrite(replica, document, sentAt, _clock.Elapsed, null, $"{(int)response.StatusCode} {body}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return new PolicyWrite(replica, document, sentAt, _clock.Elapsed, null, $"{ex.GetType().Name}: {ex.Message}");
        }
    }
}
