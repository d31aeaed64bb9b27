using Mesh.Heal.Sidecar.Interception.Internal;

namespace Mesh.Heal.Sidecar.Tests.Interception;

public class InterceptedHostTests
{
    [Theory]
    [InlineData("orders")]
    [InlineData("orders:8080")]
    [InlineData("ORDERS:8080")]
    [InlineData("orders.shop")]
    [InlineData("orders.shop:8080")]
    [InlineData("orders.shop.svc")]
    [InlineData("orders.shop.svc.cluster.local")]
    [InlineData("orders.shop.svc.cluster.local.:8080")]
    [InlineData("orders.shop.SVC.Cluster.Local")]
    public void Names_AServiceNameForm_IsTheCluster(string host) => Assert.True(InterceptedHost.Names(InterceptedHost.Name(host), "orders"));

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("order")]
    [InlineData("orders-v2")]
    [InlineData("ordersx:8080")]
    [InlineData(".orders")]
    [InlineData("orders..svc")]
    [InlineData("orders.shop.svc.cluster")]
    [InlineData("orders.shop.other")]
    [InlineData("orders.shop.svc.cluster.local.example")]
    [InlineData("payments.orders")]
    [InlineData("127.0.0.1:15001")]
    [InlineData("[::1]:8080")]
    public void Names_AnyOtherHost_IsNotTheCluster(string? host) => Assert.False(InterceptedHost.Names(InterceptedHost.Name(host), "orders"));

    [Fact]
    public void Names_AClusterWithDots_IsNamedByItsWholeId() =>
        Assert.True(InterceptedHost.Names(InterceptedHost.Name("orders.v2:80"), "orders.v2"));
}
