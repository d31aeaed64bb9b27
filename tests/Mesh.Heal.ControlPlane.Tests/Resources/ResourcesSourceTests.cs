using Mesh.Heal.Agents;
using Mesh.Heal.Agents.Resources;
using Mesh.Heal.ControlPlane.Resources;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Tests.Resources;

/// <summary>The resources source: the services with resources configured, and the cleanup method of those that have one.</summary>
public sealed class ResourcesSourceTests : IDisposable
{
    private readonly TestStore _test = new();

    public void Dispose() => _test.Dispose();

    [Fact]
    public async Task Build_TheConfiguredServicesAndTheirCleanups()
    {
        var options = new TestOptions();
        options.Resources.Services["b"] = new ServiceResourceOptions { Cleanup = new CleanupOptions { Method = "webhook", Url = "http://127.0.0.1:1/cleanup" } };
        options.Resources.Services["c"] = new ServiceResourceOptions();
        var collector = new ResourceCollector(
            _test.Store, new PrometheusClient(new HttpClient()), Options.Create(options.Resources), TestStore.Metrics(), _test.Time, NullLogger<ResourceCollector>.Instance);
        var source = new ResourcesSource(collector, Options.Create(options.Resources));

        var services = new SortedSet<string>(StringComparer.Ordinal);
        source.AddServices(_test.Time.GetUtcNow(), services);
        var slice = (await source.AddToAsync(new MeshSnapshot(_test.Time.GetUtcNow()) { Services = [.. services] }, CancellationToken.None)).Get(ResourcesSlice.Key);

        Assert.Equal(["b", "c"], services);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "webhook" }, slice.Cleanups);
        Assert.Empty(slice.Series);
    }
}
