using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Policies;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Tests.Policies;

public class PolicyDistributorTests
{
    private static string Doc(int seconds) => $"service: orders\nclusters: {{ backend: {{ timeout: {seconds}s }} }}\n";

    [Fact]
    public void Changes_WithinTheDebounce_AreCoalescedIntoOnePushOfTheNewest()
    {
        using var test = new TestStore();
        var policies = test.Policies();
        using var distributor = new PolicyDistributor(policies, test.Time, Options.Create(new ControlPlaneOptions()), Options.Create(new LimitOptions()), TestStore.Metrics());
        var session = distributor.Register("orders", "orders-1", "token-a", out _, out _)!;
        Assert.False(session.Pending.TryRead(out _));

        policies.Submit(Doc(1), null, "api", "test");
        test.Time.Advance(TimeSpan.FromMilliseconds(20));
        policies.Submit(Doc(2), null, "api", "test");
        test.Time.Advance(TimeSpan.FromMilliseconds(20));
        policies.Submit(Doc(3), null, "api", "test");
        test.Time.Advance(TimeSpan.FromMilliseconds(9));
        Assert.False(session.Pending.TryRead(out _));

        test.Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(session.Pending.TryRead(out var pushed));
        Assert.Equal(3, pushed.Version);
        Assert.False(session.Pending.TryRead(out _));
    }

    [Fact]
    public void NewSession_IsOfferedTheNewestAtOnce_AndOnlySessionsOfThatServiceArePushed()
    {
        using var test = new TestStore();
        var policies = test.Policies();
        using var distributor = new PolicyDistributor(policies, test.Time, Options.Create(new ControlPlaneOptions()), Options.Create(new LimitOptions()), TestStore.Metrics());
        policies.Submit(Doc(1), null, "api", "test");

        var orders = distributor.Register("orders", "orders-1", "token-a", out _, out _)!;
        var payments = distributor.Register("payments", "payments-1", "token-a", out _, out _)!;

        Assert.True(orders.Pending.TryRead(out var first));
        Assert.Equal(1, first.Version);
        policies.Submit(Doc(2), null, "api", "test");
        test.Time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(orders.Pending.TryRead(out var second));
        Assert.Equal(2, second.Version);
        Assert.False(payments.Pending.TryRead(out _));
    }

    [Fact]
    public void StreamOpened_BetweenAChangeAndItsPush_GetsThatVersionOnce_SoItsAckIsNotStale()
    {
        using var test = new TestStore();
        var policies = test.Policies();
        using var distributor = new PolicyDistributor(policies, test.Time, Options.Create(new ControlPlaneOptions()), Options.Create(new LimitOptions()), TestStore.Metrics());
        policies.Submit(Doc(1), null, "api", "test");
        var session = distributor.Register("orders", "orders-1", "token-a", out _, out _)!;
        Assert.True(session.Pending.TryRead(out var first));
        session.MarkSent(first.Version, "nonce-1");

        test.Time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.False(session.Pending.TryRead(out _));
        Assert.True(session.TryAnswer("nonce-1"));
        policies.Submit(Doc(2), null, "api", "test");
        test.Time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(session.Pending.TryRead(out var second));
        Assert.Equal(2, second.Version);
    }

    [Fact]
    public void FirstVersion_OfAServiceWithNoPolicy_IsOfferedOnTheOpenSession_WhichStaysLive()
    {
        using var test = new TestStore();
        var policies = test.Policies();
        using var distributor = new PolicyDistributor(policies, test.Time, Options.Create(new ControlPlaneOptions()), Options.Create(new LimitOptions()), TestStore.Metrics());
        var session = distributor.Register("orders", "orders-1", "token-a", out _, out _)!;
        Assert.Null(policies.Latest("orders"));

        var stored = policies.Submit(Doc(1), null, "api", "test").Stored!;
        test.Time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.Equal(1, stored.Version);
        Assert.True(session.Pending.TryRead(out var first));
        Assert.Equal(1, first.Version);
        Assert.False(session.WasReplaced);
        Assert.False(session.Pending.Completion.IsCompleted);
        Assert.True(distributor.IsLive("orders", "orders-1", "token-a"));
        Assert.Equal(1, distributor.SessionCount);

        // The same session then carries the next version too: nothing about the first one ended it.
        policies.Submit(Doc(2), null, "api", "test");
        test.Time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(session.Pending.TryRead(out var second));
        Assert.Equal(2, second.Version);
    }

    [Fact]
    public void SlowSession_HoldsOnlyTheNewestSnapshot_NotABacklog()
    {
        using var test = new TestStore();
        var policies = test.Policies();
        using var distributor = new PolicyDistributor(policies, test.Time, Options.Create(new ControlPlaneOptions { PushDebounce = TimeSpan.Zero }), Options.Create(new LimitOptions()), TestStore.Metrics());
        var slow = distributor.Register("orders", "slow", "token-a", out _, out _)!;

        for (var i = 1; i <= 5; i++)
        {
            policies.Submit(Doc(i), null, "api", "test");
        }

        Assert.True(slow.Pending.TryRead(out var only));
        Assert.Equal(5, only.Version);
        Assert.False(slow.Pending.TryRead(out _));
    }

    [Fact]
    public void Register_SecondStreamOfAnInstance_WithAnotherCredential_IsRefused_AndTheFirstStays()
    {
        using var test = new TestStore();
        using var distributor = new PolicyDistributor(test.Policies(), test.Time, Options.Create(new ControlPlaneOptions()), Options.Create(new LimitOptions()), TestStore.Metrics());
        var real = distributor.Register("orders", "orders-1", "token-a", out _, out _)!;

        var forged = distributor.Register("orders", "orders-1", "token-b", out var refusal, out _);

        Assert.Null(forged);
        Assert.Contains("identity.instance: 'orders/orders-1' already has a live policy stream", refusal);
        Assert.False(real.WasReplaced);
        Assert.True(distributor.IsLive("orders", "orders-1", "token-a"));
        Assert.False(distributor.IsLive("orders", "orders-1", "token-b"));
    }

    [Fact]
    public void Register_SecondStreamOfAnInstance_WithTheSameCredential_ReplacesTheFirst()
    {
        using var test = new TestStore();
        using var distributor = new PolicyDistributor(test.Policies(), test.Time, Options.Create(new ControlPlaneOptions()), Options.Create(new LimitOptions()), TestStore.Metrics());
        var old = distributor.Register("orders", "orders-1", "token-a", out _, out _)!;

        var reconnected = distributor.Register("orders", "orders-1", "token-a", out _, out _)!;
        distributor.Unregister(old);

        Assert.True(old.WasReplaced);
        Assert.True(old.Replaced.IsCancellationRequested);
        Assert.False(reconnected.WasReplaced);
        Assert.True(distributor.IsLive("orders", "orders-1", "token-a"));
        Assert.Equal(1, distributor.SessionCount);
        distributor.Unregister(reconnected);
        Assert.False(distributor.IsLive("orders", "orders-1", "token-a"));
        Assert.Equal(0, distributor.SessionCount);
    }

    [Fact]
    public void Register_BeyondMaxInstances_IsRefusedAsFull_ButAReconnectOfALiveInstanceIsNot()
    {
        using var test = new TestStore();
        using var distributor = new PolicyDistributor(
            test.Policies(), test.Time, Options.Create(new ControlPlaneOptions()), Options.Create(new LimitOptions { MaxInstances = 2 }), TestStore.Metrics());
        var first = distributor.Register("orders", "orders-1", "token-a", out _, out _)!;
        distributor.Register("orders", "orders-2", "token-a", out _, out _);

        var third = distributor.Register("orders", "orders-3", "token-a", out var refusal, out var full);
        var reconnect = distributor.Register("orders", "orders-1", "token-a", out _, out _);
        distributor.Unregister(first);
        var stillFull = distributor.Register("orders", "orders-4", "token-a", out _, out _);
        distributor.Unregister(reconnect!);
        var afterLeave = distributor.Register("orders", "orders-4", "token-a", out _, out _);

        Assert.Null(third);
        Assert.True(full);
        Assert.Contains("at most 2 (ControlPlane:Limits:MaxInstances)", refusal);
        Assert.NotNull(reconnect);
        Assert.Null(stillFull);
        Assert.NotNull(afterLeave);
    }
}
