using Mesh.Heal.Agents.BugFixing;
using Mesh.Heal.ControlPlane.Git;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Healing.Internal;
using Mesh.Heal.ControlPlane.Logs;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WireMock.Server;

namespace Mesh.Heal.ControlPlane.Tests.Git;

/// <summary>The coordinator with the bug fixer, the log collector, a real repository and a WireMock GitHub: errors pushed in
/// become an issue, and the patch a pull request opened without approval (a review), once only.</summary>
public sealed class BugFixerFlowTests : IDisposable
{
    private readonly TestStore _test = new();
    private readonly TestRepository _repository = new(new Dictionary<string, string> { ["src/Program.cs"] = GitActuatorTests.Program });
    private readonly WireMockServer _github = WireMockServer.Start();

    public void Dispose()
    {
        _github.Stop();
        _repository.Dispose();
        _test.Dispose();
    }

    private string Trace(int i) => $$"""
        {"LogLevel":"Error","Category":"Microsoft.AspNetCore.Server.Kestrel","Message":"Connection id \u0022C{{i}}\u0022: An unhandled exception was thrown by the application.","Exception":"System.NullReferenceException: Object reference not set to an instance of an object.\n   at Program.\u003C\u003Ec__DisplayClass0_0.\u003C\u003CMain\u003E$\u003Eb__0(String id) in {{_repository.Work}}/src/Program.cs:line 6\n   at lambda_method1(Closure, Object, HttpContext)"}
        """;

    [Fact]
    public async Task Flow_ErrorsPushed_IssueClassified_PullRequestOpened_NotProposedTwice()
    {
        GitActuatorTests.ServePullRequests(_github);
        var (coordinator, logs) = Coordinator(dryRun: false);

        logs.Add("orders", "orders-0", "push:orders-0", Enumerable.Range(0, 5).Select(Trace), complete: true);
        await coordinator.RunOnceAsync(CancellationToken.None);
        await coordinator.ReviewsAsync();
        _test.Time.Advance(TimeSpan.FromSeconds(1));
        await coordinator.RunOnceAsync(CancellationToken.None);
        await coordinator.RunOnceAsync(CancellationToken.None);

        var issue = Assert.Single(_test.Store.Issues("orders", null, 10));
        Assert.Equal("bug.null-pointer", issue.Kind);
        Assert.Equal("open", issue.State);
        var action = Assert.Single(_test.Store.Actions("orders", null, 10));
        Assert.Equal(BugFixerAgent.PatchKind, action.Kind);
        Assert.Equal("medium", action.Risk);
        Assert.Equal("auto", action.Mode);
        Assert.True(action.State == ActionStates.Succeeded, action.State + ": " + action.Details);
        Assert.Contains("+    if (order is null)", action.Diff, StringComparison.Ordinal);
        Assert.Single(_github.LogEntries, e => e.RequestMessage!.Method == "POST" && e.RequestMessage.Path.EndsWith("/pulls", StringComparison.Ordinal));
        Assert.True(ActionDetails.Parse(action.Details) is { Review: true, Verdict: Verdict.ReviewOpened, Command: PatchReview { IssueId: { Length: > 0 } } });
        Assert.Contains(_test.Store.AuditLog(null, 100), e => e.Kind == "action.proposed" && e.Subject == action.Id && e.Actor == action.Agent);
        var branch = TestRepository.Git(_repository.Remote, "branch", "--list", "--format=%(refname:short)", "meshheal/fix-null-pointer-*").Trim();
        Assert.Contains($"Mesh-Heal-Issue: {issue.Id} ({issue.Fingerprint})", TestRepository.Git(_repository.Remote, "log", "-1", "--format=%B", branch), StringComparison.Ordinal);
        Assert.Contains(issue.Id, _github.LogEntries.Single(e => e.RequestMessage!.Method == "POST").RequestMessage!.Body!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flow_DryRun_TheIssueAndTheProposal_NoBranchNoPullRequest()
    {
        var (coordinator, logs) = Coordinator(dryRun: true);

        logs.Add("orders", "orders-0", "push:orders-0", Enumerable.Range(0, 5).Select(Trace), complete: true);
        await coordinator.RunOnceAsync(CancellationToken.None);
        await coordinator.ReviewsAsync();

        var action = Assert.Single(_test.Store.Actions("orders", null, 10));
        Assert.Equal(ActionStates.Proposed, action.State);
        Assert.Empty(_github.LogEntries);
        Assert.Empty(TestRepository.Git(_repository.Work, "branch", "--list", "meshheal/*"));
    }

    private (HealingCoordinator Coordinator, LogCollector Logs) Coordinator(bool dryRun)
    {
        var options = new TestOptions();
        options.Healing.DryRun = dryRun;
        options.Logs.Services["orders"] = new ServiceLogOptions
        {
            Repository = new RepositoryOptions
            {
                Path = _repository.Work,
                Remote = "origin",
                GitHub = new GitHubOptions { Owner = "shop", Repository = "orders", ApiUrl = _github.Url + "/", Token = "t0k3n" },
            },
        };
        var telemetry = new TelemetryAggregator(_test.Time);
        var logs = new LogCollector(Options.Create(options.Logs), TestStore.Metrics(), _test.Time);
        var (snapshots, anomalies, _) = _test.Snapshots(telemetry, options, logs: logs);
        var repositories = new RepositoryIndex(Options.Create(options.Logs), Options.Create(options.Host), _test.Time, NullLogger<RepositoryIndex>.Instance);
        var coordinator = new HealingCoordinator(
            [new BugFixerAgent(options.Agents.BugFixer)], new ActuatorDispatcher([ActuatorBinding.For(new GitActuator(repositories, TimeProvider.System))]),
            snapshots, _test.Store, telemetry, anomalies, Options.Create(options.Healing), _test.Time, NullLogger<HealingCoordinator>.Instance);
        return (coordinator, logs);
    }
}
