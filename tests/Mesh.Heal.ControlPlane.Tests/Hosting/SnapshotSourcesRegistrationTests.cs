using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Heal.ControlPlane.Tests.Hosting;

/// <summary>The control plane as registered: every slice an agent reads, and every slice a source needs, has one source.</summary>
public sealed class SnapshotSourcesRegistrationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("meshheal-registration-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Registered_EverySliceReadOrNeeded_HasExactlyOneSource()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ControlPlane:StorePath"] = Path.Combine(_directory, "cp.db") })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddMeshHealControlPlane();
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
