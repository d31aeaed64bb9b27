using Mesh.Heal.ControlPlane.Policies;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Heal.ControlPlane.Tests.Policies;

public class PolicyAnswerWriterTests
{
    [Fact]
    public async Task Stop_WritesEveryQueuedAnswer_StampedWhenItArrived_NotWhenWritten()
    {
        using var test = new TestStore();
        test.Store.SidecarConnected("orders", "a", "", "1", "ca");
        test.Store.SidecarConnected("orders", "b", "", "1", "cb");
        var writer = new PolicyAnswerWriter(test.Store, test.Time, NullLogger<PolicyAnswerWriter>.Instance);
        var first = test.Time.GetUtcNow();

        writer.Record("orders", "a", 1, "n1", error: null);
        test.Time.Advance(TimeSpan.FromSeconds(5));
        writer.Record("orders", "b", 1, "n2", error: null);
        writer.Record("orders", "b", 2, "n3", error: "no cluster 'nowhere'");
        test.Time.Advance(TimeSpan.FromSeconds(30));
        await writer.StopAsync(CancellationToken.None);

        var sidecars = test.Store.Sidecars("orders").ToDictionary(s => s.Instance);
        Assert.Equal((1, first), (sidecars["a"].AckedVersion, sidecars["a"].AckedAt!.Value));
        Assert.Equal((1, first.AddSeconds(5)), (sidecars["b"].AckedVersion, sidecars["b"].AckedAt!.Value));
        Assert.Equal((2L, "no cluster 'nowhere'"), (sidecars["b"].NackVersion!.Value, sidecars["b"].NackError));
        Assert.Equal(2, test.Store.AckHistory("orders", "b").Count);
    }

    [Fact]
    public void Session_AcceptsOneAnswerPerSentSnapshot()
    {
        var session = new PolicySession("orders", "a", "token-a");
        session.MarkSent(1, "n1");
        session.MarkSent(2, "n2");

        Assert.False(session.TryAnswer("n1"));
        Assert.False(session.TryAnswer(string.Empty));
        Assert.True(session.TryAnswer("n2"));
        Assert.False(session.TryAnswer("n2"));
    }
}
