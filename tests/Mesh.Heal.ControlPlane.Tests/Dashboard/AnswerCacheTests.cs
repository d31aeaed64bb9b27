using Mesh.Heal.ControlPlane.Dashboard.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.ControlPlane.Tests.Dashboard;

/// <summary>The answers shared between event streams: one computation per call and token within the age allowed.</summary>
public sealed class AnswerCacheTests
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(500);
    private readonly FakeTimeProvider _time = new();
    private int _computed;

    [Fact]
    public async Task Get_WithinMaxAge_SameCallAndToken_ComputesOnce()
    {
        var cache = new AnswerCache(_time);

        var first = await cache.GetAsync("m", "?q", "Bearer a", MaxAge, ComputeAsync);
        _time.Advance(MaxAge - TimeSpan.FromTicks(1));
        var second = await cache.GetAsync("m", "?q", "Bearer a", MaxAge, ComputeAsync);

        Assert.Equal((200, "answer 1"), first);
        Assert.Equal(first, second);
        Assert.Equal(1, _computed);
    }

    [Fact]
    public async Task Get_AfterMaxAge_ComputesAgain()
    {
        var cache = new AnswerCache(_time);

        await cache.GetAsync("m", "", "Bearer a", MaxAge, ComputeAsync);
        _time.Advance(MaxAge);
        var again = await cache.GetAsync("m", "", "Bearer a", MaxAge, ComputeAsync);

        Assert.Equal((200, "answer 2"), again);
    }

    [Theory]
    [InlineData("other", "", "Bearer a")]
    [InlineData("m", "?limit=1", "Bearer a")]
    [InlineData("m", "", "Bearer b")]
    [InlineData("m", "", null)]
    public async Task Get_AnotherCallOrToken_IsNotGivenTheKeptAnswer(string method, string query, string? authorization)
    {
        var cache = new AnswerCache(_time);

        await cache.GetAsync("m", "", "Bearer a", MaxAge, ComputeAsync);
        var other = await cache.GetAsync(method, query, authorization, MaxAge, ComputeAsync);

        Assert.Equal((200, "answer 2"), other);
    }

    private Task<(int Status, string Body)> ComputeAsync() => Task.FromResult((200, $"answer {++_computed}"));
}
