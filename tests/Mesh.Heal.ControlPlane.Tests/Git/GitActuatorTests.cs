using System.Text.Json;
using Mesh.Heal.Agents.BugFixing;
using Mesh.Heal.ControlPlane.Git;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Logs;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mesh.Heal.ControlPlane.Tests.Git;

/// <summary>The git actuator on a real repository (and a bare one as its remote), with a WireMock stand-in for the GitHub
/// REST API serving the documented pull-request shapes (Octokit addresses an Enterprise server under <c>/api/v3/</c>).</summary>
public sealed class GitActuatorTests : IDisposable
{
    internal const string Program = """
        var app = WebApplication.Create(args);
        var store = new Dictionary<string, Order>();
        app.MapGet("/orders/{id}", (string id) =>
        {
            var order = store.GetValueOrDefault(id);
            return Results.Ok(new { id, total = order.Total });
        });
        app.Run();
        """;

    private readonly TestRepository _repository = new(new Dictionary<string, string> { ["src/Program.cs"] = Program, ["README.md"] = "shop\n" });
    private readonly WireMockServer _github = WireMockServer.Start();

    public void Dispose()
    {
        _github.Stop();
        _repository.Dispose();
    }

    internal static void ServePullRequests(WireMockServer github)
    {
        github.Given(Request.Create().WithPath("/api/v3/repos/shop/orders/pulls").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json")
                .WithBody("""{ "id": 1001, "number": 7, "state": "open", "title": "fix", "html_url": "https://github.test/shop/orders/pull/7", "head": { "ref": "x" }, "base": { "ref": "main" } }"""));
        github.Given(Request.Create().WithPath("/api/v3/repos/shop/orders/issues/7/comments").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""{ "id": 5, "body": "withdrawn" }"""));
        github.Given(Request.Create().WithPath("/api/v3/repos/shop/orders/pulls/7").UsingPatch())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{ "id": 1001, "number": 7, "state": "closed", "title": "fix", "html_url": "https://github.test/shop/orders/pull/7" }"""));
    }

    [Fact]
    public async Task Apply_PatchOnANewBranch_BuiltCommittedPushedAndProposed_BaseUntouched()
    {
        ServePullRequests(_github);
        var baseBefore = _repository.Head("main", _repository.Remote);
        var actuator = Actuator(build: ["sh", "-c", "grep -q 'order is null' src/Program.cs"]);

        var previous = await actuator.ApplyAsync(Review(), "coordinator", CancellationToken.None);

        Assert.Equal(7, previous.PullRequest);
        Assert.Equal("https://github.test/shop/orders/pull/7", previous.Url);
        Assert.Equal(baseBefore, _repository.Head("main", _repository.Remote));
        Assert.Equal(baseBefore, _repository.Head("main"));
        var pushed = _repository.Head("meshheal/fix-null-pointer-abc123", _repository.Remote);
        Assert.Equal(previous.Commit, pushed);
        var message = TestRepository.Git(_repository.Remote, "log", "-1", "--format=%an%n%B", pushed);
        Assert.StartsWith("Mesh.Heal\nMesh.Heal: guard order", message, StringComparison.Ordinal);
        Assert.Contains("Mesh-Heal-Issue: bug-fixer/orders/bug.null-pointer/abc123", message, StringComparison.Ordinal);
        Assert.Contains("if (order is null)", TestRepository.Git(_repository.Remote, "show", pushed + ":src/Program.cs"), StringComparison.Ordinal);
        var request = JsonDocument.Parse(_github.LogEntries.Single(e => e.RequestMessage!.Method == "POST").RequestMessage!.Body!).RootElement;
        Assert.Equal("meshheal/fix-null-pointer-abc123", request.GetProperty("head").GetString());
        Assert.Equal("main", request.GetProperty("base").GetString());
        Assert.StartsWith("Mesh.Heal: guard order", request.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Empty(TestRepository.Git(_repository.Work, "worktree", "list", "--porcelain").Split("worktree ", StringSplitOptions.RemoveEmptyEntries)[1..]);
    }

    [Fact]
    public async Task Apply_BuildFails_NothingIsLeftAndTheReasonIsGiven()
    {
        ServePullRequests(_github);
        var actuator = Actuator(build: ["sh", "-c", "echo 'Program.cs(6,1): error CS1002: ; expected' >&2; exit 1"]);

        var error = await Assert.ThrowsAsync<ActuatorException>(() => actuator.ApplyAsync(Review(), "coordinator", CancellationToken.None));

        Assert.Contains("the patch does not build", error.Message, StringComparison.Ordinal);
        Assert.Contains("error CS1002", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("meshheal/fix", TestRepository.Git(_repository.Work, "branch", "--list"), StringComparison.Ordinal);
        Assert.DoesNotContain("meshheal/fix", TestRepository.Git(_repository.Remote, "branch", "--list"), StringComparison.Ordinal);
        Assert.Empty(_github.LogEntries);
    }

    [Fact]
    public async Task Apply_PatchNoLongerApplies_FailsNamingTheBase()
    {
        File.WriteAllText(Path.Combine(_repository.Work, "src/Program.cs"), "app.Run();\n");
        TestRepository.Git(_repository.Work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "--quiet", "-am", "rewrite");
        var changes = Review() with { Revision = string.Empty };

        var error = await Assert.ThrowsAsync<ActuatorException>(() => Actuator().ApplyAsync(changes, "coordinator", CancellationToken.None));

        Assert.Contains("the patch does not apply to main", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Undo_ClosesThePullRequestAndRevertsTheCommitOnItsBranch()
    {
        ServePullRequests(_github);
        var actuator = Actuator();
        var previous = await actuator.ApplyAsync(Review(), "coordinator", CancellationToken.None);

        await actuator.UndoAsync(Review(), previous, "alice", CancellationToken.None);

        var head = _repository.Head("meshheal/fix-null-pointer-abc123", _repository.Remote);
        Assert.NotEqual(previous.Commit, head);
        Assert.Equal(Program, TestRepository.Git(_repository.Remote, "show", head + ":src/Program.cs"));
        Assert.Contains(_github.LogEntries, e => e.RequestMessage!.Method == "PATCH" && e.RequestMessage.Body!.Contains("\"closed\"", StringComparison.Ordinal));
        Assert.Contains(_github.LogEntries, e => e.RequestMessage!.Path.EndsWith("/issues/7/comments", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_TheBaseBranchAsTheBranch_IsRefused()
    {
        var changes = Review() with { Branch = "main" };

        var error = await Assert.ThrowsAsync<ActuatorException>(() => Actuator().ApplyAsync(changes, "coordinator", CancellationToken.None));

        Assert.Contains("never the base branch main", error.Message, StringComparison.Ordinal);
    }

    private PatchReview Review()
    {
        var patch = CSharpPatcher.NullGuard("src/Program.cs", Program, 6)!;
        return new PatchReview(
            "orders", "abc123", "meshheal/fix-null-pointer-abc123", "main", _repository.Head(), patch.Path, patch.Diff, "Mesh.Heal: " + patch.Description, "why",
            "bug-fixer/orders/bug.null-pointer/abc123");
    }

    private GitActuator Actuator(string[]? build = null)
    {
        var logs = new LogOptions();
        logs.Services["orders"] = new ServiceLogOptions
        {
            Repository = new RepositoryOptions
            {
                Path = _repository.Work,
                Remote = "origin",
                Build = build ?? [],
                GitHub = new GitHubOptions { Owner = "shop", Repository = "orders", ApiUrl = _github.Url + "/", Token = "t0k3n" },
            },
        };
        var time = new FakeTimeProvider();
        return new GitActuator(new RepositoryIndex(Options.Create(logs), Options.Create(new ControlPlaneOptions()), time, NullLogger<RepositoryIndex>.Instance), TimeProvider.System);
    }
}
