using System.Diagnostics;
using Mesh.Heal.Chaos;
using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.Sidecar.Tests.Integration;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Mesh.Heal.IntegrationTests.Chaos;

/// <summary>The pieces of the replicated chaos test that judge it: the replicas' rows, the policy writer's record, callers
/// that run until stopped.</summary>
[Collection(nameof(IntegrationCollection))]
public class ReplicatedHarnessTests
{
    [Fact]
    public void ReplicaInfo_Parse_FieldsProtobufJsonLeavesOut_ReadAsFalseZeroAndAbsent()
    {
        var rows = ReplicaInfo.Parse("""
            {"replicas":[
              {"id":"cp-1-1","leader":true,"epoch":"3","startedAt":"2026-12-05T21:00:00Z","heartbeatAt":"2026-12-05T21:00:05Z","lastRunAt":"2026-12-05T21:00:04.500Z","streams":2,"alive":true},
              {"id":"cp-2-2","startedAt":"2026-12-05T21:00:00Z","heartbeatAt":"2026-12-05T21:00:05Z","alive":true},
              {"id":"cp-3-3","startedAt":"2026-12-05T21:00:00Z","heartbeatAt":"2026-12-05T20:59:00Z"}]}
            """);

        Assert.Equal(
            [
                new ReplicaInfo("cp-1-1", true, 3, DateTimeOffset.Parse("2026-12-05T21:00:05Z"), DateTimeOffset.Parse("2026-12-05T21:00:04.500Z"), 2, true),
                new ReplicaInfo("cp-2-2", false, 0, DateTimeOffset.Parse("2026-12-05T21:00:05Z"), null, 0, true),
                new ReplicaInfo("cp-3-3", false, 0, DateTimeOffset.Parse("2026-12-05T20:59:00Z"), null, 0, false),
            ],
            rows);
        Assert.Empty(ReplicaInfo.Parse("{}"));
    }

    [Fact]
    public async Task PolicyWriter_ReplicasInTurn_KeepsEveryAnswer_AndOneThatIsDownAcknowledgesNothing()
    {
        await using var first = await TestControlPlane.StartAsync();
        await using var second = await TestControlPlane.StartAsync();
        var planes = new[] { first, second };
        var writer = new PolicyWriter(i => planes[i].HttpUri, 2, "orders", n => $"service: orders\nclusters:\n  backend:\n    timeout: {1000 + n}ms\n", TimeSpan.FromMilliseconds(20));
        TimeSpan stopped;
        await using (writer)
        {
            await Wait.UntilAsync(() => writer.Acknowledged.Count >= 4, "four writes acknowledged");
            await second.StopAsync();
            stopped = writer.Now;
            await Wait.UntilAsync(() => writer.Writes.Count(w => w.SentAt >= stopped) >= 4, "four writes after the second stopped");
        }

        var writes = writer.Writes;
        Assert.Equal(Enumerable.Range(0, writes.Count).Select(i => i % 2), writes.Select(w => w.Replica));
        Assert.All(writes.Where(w => w.Replica == 1 && w.SentAt >= stopped), w => Assert.True(w is { Acknowledged: false, Error: not null }, w.ToString()));
        var toFirst = writes.Where(w => w.Replica == 0).ToList();
        Assert.Equal(Enumerable.Range(1, toFirst.Count).Select(v => (long?)v), toFirst.Select(w => w.Version));
        Assert.All(toFirst, w => Assert.Equal(w.Document, first.Store.Policy("orders", w.Version!.Value)!.Document));
    }

    [Fact]
    public async Task Traffic_Stopped_EndsBeforeItsDuration_WithEverySample()
    {
        using var upstream = Upstreams.Start();
        upstream.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(200));
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var run = new Traffic([[new Uri(upstream.Address())]], 100, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(5)).RunAsync([], clock, CancellationToken.None, stop.Token);
        await Wait.UntilAsync(() => upstream.LogEntries.Count() >= 20, "twenty requests arrived");
        await stop.CancelAsync();

        var (samples, _) = await run;

        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"ran {clock.Elapsed}");
        Assert.True(samples.Count >= 20, $"{samples.Count} samples");
        Assert.All(samples, s => Assert.Equal(Outcome.Primary, s.Outcome));
    }
}
