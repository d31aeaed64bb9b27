using Mesh.Heal.Agents;
using Mesh.Heal.Agents.BugFixing;
using Mesh.Heal.Agents.Logs;
using Mesh.Heal.ControlPlane.Git;
using Mesh.Heal.ControlPlane.Logs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.ControlPlane.Tests.Git;

/// <summary>The sources source reads the logs slice it needs; with no logs it touches no repository. The trees read for
/// errors are checked end to end in <see cref="BugFixerFlowTests"/>.</summary>
public sealed class SourcesSourceTests : IDisposable
{
    private readonly string _clones = Directory.CreateTempSubdirectory("meshheal-clones-").FullName;

    public void Dispose() => Directory.Delete(_clones, recursive: true);

    [Fact]
    public void Needs_TheLogsSlice()
    {
        Assert.Equal([LogsSlice.Key], Source().Needs);
        Assert.Equal(SourcesSlice.Key, Source().Slice);
    }

    [Fact]
    public async Task Build_NoLogs_NoTrees_AndNoRepositoryIsCloned()
    {
        var snapshot = new MeshSnapshot(DateTimeOffset.UnixEpoch).With(LogsSlice.Key, new LogsSlice());

        var sources = (await Source().AddToAsync(snapshot, CancellationToken.None)).Get(SourcesSlice.Key);

        Assert.Empty(sources.Trees);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_clones));
    }

    private SourcesSource Source()
    {
        var options = new TestOptions();
        options.Logs.CloneDirectory = _clones;
        options.Logs.Services["orders"] = new ServiceLogOptions { Repository = new RepositoryOptions { Url = "https://git.invalid/shop/orders.git" } };
        return new SourcesSource(new RepositoryIndex(Options.Create(options.Logs), Options.Create(options.Host), new FakeTimeProvider(), NullLogger<RepositoryIndex>.Instance));
    }
}
