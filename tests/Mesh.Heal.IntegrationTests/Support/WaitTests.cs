namespace Mesh.Heal.IntegrationTests.Support;

public class WaitTests
{
    [Fact]
    public async Task UntilAsync_ConditionNeverHolds_FailsWithWhatItWaitedForAndTheLastValueSeen()
    {
        var probes = 0;

        var ex = await Assert.ThrowsAsync<TimeoutException>(() =>
            Wait.UntilAsync(() => Task.FromResult(++probes), n => n < 0, "the count goes negative", TimeSpan.FromMilliseconds(200)));

        Assert.StartsWith("timed out after 0.2 s waiting until the count goes negative; last value seen: ", ex.Message);
        Assert.Contains($"last value seen: {probes}", ex.Message);
    }

    [Fact]
    public async Task UntilAsync_ProbeFailsLikeAProcessNotUpYet_KeepsWaiting_AndReturnsTheValueThatHeld()
    {
        var probes = 0;

        var value = await Wait.UntilAsync(
            () => ++probes < 3 ? throw new HttpRequestException("connection refused") : Task.FromResult(probes),
            n => n >= 3, "the third probe");

        Assert.Equal(3, value);
    }

    [Fact]
    public async Task UntilAsync_ProbeKeepsFailing_TheLastFailureIsTheLastValueSeen()
    {
        var ex = await Assert.ThrowsAsync<TimeoutException>(() =>
            Wait.UntilAsync(() => Task.FromException<bool>(new HttpRequestException("connection refused")), "it answers", TimeSpan.FromMilliseconds(100)));

        Assert.Contains("last value seen: HttpRequestException: connection refused", ex.Message);
    }

    [Fact]
    public async Task UntilAsync_OtherExceptions_PropagateAtOnce()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Wait.UntilAsync(() => Task.FromException<bool>(new InvalidOperationException("a bug in the test")), "never"));
    }

    [Fact]
    public async Task TryUntilAsync_SaysWhetherTheConditionHeldBeforeTheDeadline()
    {
        Assert.False(await Wait.TryUntilAsync(() => Task.FromResult(false), TimeSpan.FromMilliseconds(100)));
        Assert.True(await Wait.TryUntilAsync(() => Task.FromResult(true)));
    }
}
