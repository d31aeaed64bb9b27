using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Kubernetes;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Tests.Capacity;

/// <summary>The HPA reader without an API server: what it gives before any read. Reads against the API are in
/// <see cref="CapacityCollectorTests"/>, and what the actuator reports after a write in <see cref="HpaActuatorTests"/>.</summary>
public sealed class HpaReaderTests
{
    [Fact]
    public async Task PolicyOf_NeverRead_IsTheConfiguredPolicy_AndNothingIsRead()
    {
        var options = new TestOptions();
        options.Capacity.Services["orders"] = new ServiceCapacityOptions
        {
            Hpa = new HpaOptions { Namespace = "shop", MinReplicas = 2, MaxReplicas = 8, TargetUtilization = 0.5 },
        };
        var reader = new HpaReader(new KubernetesApi(Options.Create(options.Kubernetes)), Options.Create(options.Capacity));

        var policy = reader.PolicyOf("orders")!;

        Assert.Equal((2, 8, 0.5), (policy.MinReplicas, policy.MaxReplicas, policy.TargetUtilization));
        Assert.Null(reader.PolicyOf("payments"));
        Assert.False(reader.CanRead);
        Assert.Null(await reader.ReadAsync("orders", options.Capacity.Services["orders"].Hpa!, DateTimeOffset.UnixEpoch, CancellationToken.None));
    }
}
