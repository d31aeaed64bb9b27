using System.Collections.Concurrent;
using Mesh.Heal.ControlPlane.Dashboard;
using Mesh.Heal.ControlPlane.Dashboard.Internal;
using Mesh.Heal.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.ControlPlane.Tests.Dashboard;

/// <summary>One connection's event loop on a fake clock, over answers the test changes: every kind on connect, then only what
/// changed, the clock fields ignored, and a keep-alive comment every keep-alive interval.</summary>
public sealed class EventLoopTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentDictionary<string, string?> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _written = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly DashboardOptions _options = new() { RefreshInterval = TimeSpan.FromSeconds(1), KeepAliveInterval = TimeSpan.FromSeconds(15) };
    private int _rounds;
    private Task? _loop;

    public void Dispose()
    {
        _stop.Cancel();
        _loop?.Wait(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    [Fact]
    public async Task Run_OnConnect_SendsEveryKindInOrder()
    {
        _answers["status"] = """{"time":"2026-11-01T12:00:00Z","services":[]}""";
        _answers["issues"] = """{"issues":[]}""";
        Start("status", "issues");

        Assert.Equal(
            ["event: status\ndata: {\"time\":\"2026-11-01T12:00:00Z\",\"services\":[]}\n\n", "event: issues\ndata: {\"issues\":[]}\n\n"],
            await TakeAsync(2));
    }

    [Fact]
    public async Task Run_Unchanged_SendsNothing_AndAChange_SendsThatKindOnly()
    {
        _answers["status"] = """{"time":"2026-11-01T12:00:00Z","services":[]}""";
        _answers["report"] = """{"from":"2026-10-31T12:00:00Z","to":"2026-11-01T12:00:00Z","overall":{}}""";
        _answers["issues"] = """{"issues":[]}""";
        Start("status", "report", "issues");
        await TakeAsync(3);

        // Only the clock fields move: rounds pass and nothing is sent.
        _answers["status"] = """{"time":"2026-11-01T12:00:05Z","services":[]}""";
        _answers["report"] = """{"from":"2026-10-31T12:00:05Z","to":"2026-11-01T12:00:05Z","overall":{}}""";
        await AdvanceUntilAsync(() => _rounds >= 4, "four rounds");
        Assert.DoesNotContain(_written, w => !w.StartsWith(':'));

        _answers["issues"] = """{"issues":[{"id":"i-1"}]}""";
        await AdvanceUntilAsync(() => _written.Any(w => !w.StartsWith(':')), "an event after the change");
        Assert.Equal(["event: issues\ndata: {\"issues\":[{\"id\":\"i-1\"}]}\n\n"], _written.Where(w => !w.StartsWith(':')));
    }

    [Fact]
    public async Task Run_NullAnswer_IsSkippedUntilThereIsOne()
    {
        _answers["status"] = null;
        _answers["issues"] = """{"issues":[]}""";
        Start("status", "issues");
        Assert.Equal(["event: issues\ndata: {\"issues\":[]}\n\n"], await TakeAsync(1));

        _answers["status"] = """{"services":[]}""";
        await AdvanceUntilAsync(() => !_written.IsEmpty, "the status event");
        Assert.Equal(["event: status\ndata: {\"services\":[]}\n\n"], _written);
    }

    [Fact]
    public async Task Run_KeepAlive_IsWrittenEveryKeepAliveInterval()
    {
        _answers["issues"] = """{"issues":[]}""";
        Start("issues");
        await TakeAsync(1);
        var started = _time.GetUtcNow();

        await AdvanceUntilAsync(() => !_written.IsEmpty, "a keep-alive");

        Assert.Equal([": keep-alive\n\n"], _written);
        Assert.True(_time.GetUtcNow() - started >= _options.KeepAliveInterval);
    }

    private void Start(params string[] kinds)
    {
        _loop = Task.Run(() => EventLoop.RunAsync(
            kinds,
            (kind, _) =>
            {
                if (kind == kinds[^1])
                {
                    Interlocked.Increment(ref _rounds);
                }

                return Task.FromResult(_answers[kind]);
            },
            (text, _) =>
            {
                _written.Enqueue(text);
                return Task.CompletedTask;
            },
            _options,
            _time,
            _stop.Token));
    }

    private async Task<List<string>> TakeAsync(int count)
    {
        await Wait.UntilAsync(() => _written.Count >= count, $"{count} writes");
        var taken = new List<string>();
        while (taken.Count < count && _written.TryDequeue(out var text))
        {
            taken.Add(text);
        }

        return taken;
    }

    // The loop waits on the fake clock; each check moves it one refresh interval, so rounds pass only as the test asks.
    private Task AdvanceUntilAsync(Func<bool> condition, string what) => Wait.UntilAsync(
        () =>
        {
            if (condition())
            {
                return true;
            }

            _time.Advance(_options.RefreshInterval);
            return false;
        },
        what);
}
