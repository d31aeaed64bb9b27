using Mesh.Heal.ControlPlane.Store;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Heal.ControlPlane.Tests.Store;

public class StoreHealthCheckTests
{
    [Fact]
    public async Task Check_OpenStore_IsHealthy_AndAClosedOne_IsUnhealthyNamingTheFile()
    {
        var test = new TestStore();
        var check = new StoreHealthCheck(test.Store);

        var healthy = await check.CheckHealthAsync(new HealthCheckContext());
        test.Store.Dispose();
        var unhealthy = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Contains(test.Store.FilePath, unhealthy.Description, StringComparison.Ordinal);
    }
}
