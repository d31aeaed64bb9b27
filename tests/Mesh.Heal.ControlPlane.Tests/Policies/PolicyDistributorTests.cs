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
        using var distributor = new PolicyDistributor(policies, test.Time, Options.Create(new ControlPlaneOptions()), TestStore.Metrics());
        var session = distributor.Register("orders", "orders-1");
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
        using var distributor = new PolicyDistributor(policies, test.Time, Options.Create(new ControlPlaneOptions()), TestStore.Metrics());
        policies.Submit(Doc(1), null, "api", "test");

        var orders = distributor.Register("orders", "orders-1");
        var payments = distributor.Register("payments", "payments-1");

        Assert.True(orders.Pending.TryRead(out var first));
        Assert.Equal(1, first.Version);
        policies.Submit(Doc(2), null, "api", "test");
        test.Time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(orders.Pending.TryRead(out var second));
        Assert.Equal(2, second.Version);
        Assert.False(payments.Pending.TryRead(out _));
    }

    [Fact]
    public void SlowSession_HoldsOnlyTheNewestSnapshot_NotABacklog()
    {
        using var test = new TestStore();
        var policies = test.Policies();
        using var distributor = new PolicyDistributor(policies, test.Time, Options.Create(new ControlPlaneOptions { PushDebounce = TimeSpan.Zero }), TestStore.Metrics());
        var slow = distributor.Register("orders", "slow");

        for (var i = 1; i <= 5; i++)
        {
            policies.Submit(Doc(i), null, "api", "test");
        }

        Assert.True(slow.Pending.TryRead(out var only));
        Assert.Equal(5, only.Version);
        Assert.False(slow.Pending.TryRead(out _));
    }
}
