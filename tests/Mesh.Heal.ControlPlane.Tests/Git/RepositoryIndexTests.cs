using Mesh.Heal.ControlPlane.Git;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Logs;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.ControlPlane.Tests.Git;

/// <summary>The repository index reports in its own terms (<see cref="GitException"/>), never as an actuator: it feeds the
/// snapshot; the git actuator turns what it reports into an <see cref="ActuatorException"/> at its edge.</summary>
public sealed class RepositoryIndexTests : IDisposable
{
    private readonly string _clones = Directory.CreateTempSubdirectory("meshheal-clones-").FullName;

    public void Dispose() => Directory.Delete(_clones, recursive: true);

    [Fact]
    public async Task Directory_NoRepositoryConfigured_IsAGitException()
    {
        var index = Index(new TestOptions());

        var error = await Assert.ThrowsAsync<GitException>(() => index.DirectoryAsync("orders", CancellationToken.None));

        Assert.Contains("ControlPlane:Logs:Services:orders:Repository is not configured", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Directory_CloneFails_IsAGitExceptionWithGitsReason()
    {
        var index = Index(Unreachable());

        var error = await Assert.ThrowsAsync<GitException>(() => index.DirectoryAsync("orders", CancellationToken.None));

        Assert.Contains("git clone", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GitActuator_CloneFails_ReportsAnActuatorException()
    {
        var options = Unreachable();
        var actuator = new GitActuator(Index(options), TimeProvider.System);
        var review = new PatchReview("orders", "abc123", "meshheal/fix", "main", "HEAD", "src/Program.cs", "p", "t", "why", "bug-fixer/orders/bug.null-pointer/abc123");

        var error = await Assert.ThrowsAsync<ActuatorException>(() => actuator.ApplyAsync(review, "coordinator", CancellationToken.None));

        Assert.Contains("git clone", error.Message, StringComparison.Ordinal);
    }

    private TestOptions Unreachable()
    {
        var options = new TestOptions();
        options.Logs.CloneDirectory = _clones;
        options.Logs.Services["orders"] = new ServiceLogOptions { Repository = new RepositoryOptions { Url = Path.Combine(_clones, "no-such-repository.git") } };
        return options;
    }

    private static RepositoryIndex Index(TestOptions options) =>
        new(Options.Create(options.Logs), Options.Create(options.Host), new FakeTimeProvider(), NullLogger<RepositoryIndex>.Instance);
}
