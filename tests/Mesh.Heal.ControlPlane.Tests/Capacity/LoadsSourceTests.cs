using Mesh.Heal.Agents;
using Mesh.Heal.Agents.Capacity;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Resources;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Tests.Capacity;

/// <summary>The loads source: one load per planned service with the HPA policy the reader gives, computed at most every
/// <see cref="CapacityOptions.Refresh"/>.</summary>
public sealed class LoadsSourceTests : IDisposable
{
    private readonly TestStore _test = new();

    public void Dispose() => _test.Dispose();

    [Fact]
    public async Task Build_APlannedService_HasItsHpaPolicy_AndTheLoadsAreKeptUntilTheRefresh()
    {
        var options = new TestOptions();
        options.Capacity.Refresh = TimeSpan.FromMinutes(1);
        options.Capacity.Services["b"] = new ServiceCapacityOptions { Hpa = new HpaOptions { Namespace = "shop", MaxReplicas = 7 } };
                var hpas = new HpaReader(new KubernetesApi(Options.Create(options.Kubernetes)), Options.Create(options.Capacity));
        var collector = new CapacityCollector(hpas, new PrometheusClient(new HttpClient()), Options.Create(options.Capacity), Options.Create(options.Resources), TestStore.Metrics(), _test.Time, NullLogger<CapacityCollector>.Instance);
        var source = new LoadsSource(_test.Store, collector, hpas, Options.Create(options.Capacity));

        var first = await LoadsAsync(source);
        _test.Store.SidecarConnected("b", "b-1", "z", "1", "conn-1");
        _test.Time.Advance(TimeSpan.FromSeconds(59));
        var cached = await LoadsAsync(source);
        _test.Time.Advance(TimeSpan.FromSeconds(1));
        var refreshed = await LoadsAsync(source);

        var load = Assert.Single(first.Loads);
        Assert.Equal(("b", 7, 0), (load.Service, load.Hpa!.MaxReplicas, load.Replicas));
        Assert.Same(first.Loads, cached.Loads);
        Assert.Equal(1, refreshed.Of("b")!.Replicas);
    }

    private async Task<LoadsSlice> LoadsAsync(LoadsSource source) =>
        (await source.AddToAsync(new MeshSnapshot(_test.Time.GetUtcNow()), CancellationToken.None)).Get(LoadsSlice.Key);
}
