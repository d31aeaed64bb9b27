using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Tests.Hosting;

/// <summary>The control plane as registered: every slice an agent reads, and every slice a source needs, has one source.</summary>
public sealed class SnapshotSourcesRegistrationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("meshheal-registration-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Registered_EverySliceReadOrNeeded_HasExactlyOneSource()
    {
        var options = new ControlPlaneOptions { StorePath = Path.Combine(_directory, "cp.db") };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton(Options.Create(options));
        services.AddMeshHealControlPlane(options);
        using var provider = services.BuildServiceProvider();

        var agents = provider.GetServices<IHealingAgent>().ToList();
        var sources = provider.GetServices<ISnapshotSource>().ToList();
        var built = sources.Select(s => s.Slice).ToList();

        Assert.Equal(5, agents.Count);
        Assert.Equal(built.Count, built.Distinct().Count());
        Assert.All(agents.SelectMany(a => a.Reads).Concat(sources.SelectMany(s => s.Needs)), key => Assert.Contains(key, built));
        Assert.NotNull(provider.GetRequiredService<SnapshotBuilder>());
    }
}
