using System.Globalization;
using Mesh.Heal.ControlPlane.Healing;

namespace Mesh.Heal.ControlPlane.Git;

/// <summary>Carries out the bug fixer's <c>code.patch</c>: the patch on a new branch from the base revision, built in a
/// temporary worktree when a build is configured, committed citing the issue, pushed, and proposed as a pull request.</summary>
/// <remarks>
/// <para>
/// The target is <c>service/cluster</c>; the changes are the action's <c>branch</c>, <c>base</c>, <c>revision</c>,
/// <c>path</c>, <c>patch</c> (a unified diff), <c>title</c>, <c>body</c> and <c>issue</c> (the fingerprint), and the
/// <c>issueId</c> the coordinator adds; the commit and the pull request cite both. Only the new branch is ever
/// written or pushed, by an explicit <c>refs/heads/branch:refs/heads/branch</c> refspec, and nothing is merged: the base
/// branch is a person's. A patch that does not apply, does not build, or cannot be pushed or proposed leaves nothing behind
/// (the branch is deleted, locally and on the remote) and fails the action with the reason.
/// </para>
/// <para>
/// Undo closes the pull request with a comment and reverts the commit on its branch (pushed too), so the proposal is
/// withdrawn and its history kept.
/// </para>
/// </remarks>
internal sealed class GitActuator(RepositoryIndex repositories, TimeProvider time) : IActuator
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromMinutes(2);

    // A build must not leave MSBuild nodes or the compiler server behind holding the output pipes open.
    private static readonly Dictionary<string, string> BuildEnvironment = new(StringComparer.Ordinal)
    {
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["UseSharedCompilation"] = "false",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
    };

    public string Name => "git";

    public async Task<IReadOnlyDictionary<string, string?>> ApplyAsync(
        string target, IReadOnlyDictionary<string, string?> changes, string actor, CancellationToken cancellationToken)
    {
        try
        {
            return await ApplyCoreAsync(target, changes, actor, cancellationToken);
        }
        catch (GitException ex)
        {
            throw new ActuatorException(ex.Message);
        }
    }

    public async Task UndoAsync(string target, IReadOnlyDictionary<string, string?> previous, string actor, CancellationToken cancellationToken)
    {
        try
        {
            await UndoCoreAsync(target, previous, actor, cancellationToken);
        }
        catch (GitException ex)
        {
            throw new ActuatorException(ex.Message);
        }
    }

    private async Task<IReadOnlyDictionary<string, string?>> ApplyCoreAsync(
        string target, IReadOnlyDictionary<string, string?> changes, string actor, CancellationToken cancellationToken)
    {
        var service = target.Split('/')[0];
        var settings = repositories.Settings(service) ?? throw new ActuatorException($"git: ControlPlane:Logs:Services:{service}:Repository is not configured");
        string Need(string key) => changes.GetValueOrDefault(key) is { Length: > 0 } value ? value : throw new ActuatorException($"git: the action has no '{key}'; accepted: a code.patch action of the bug fixer");
        var branch = Need("branch");
        var patch = Need("patch");
        var path = Need("path");
        if (branch == settings.BaseBranch || branch.StartsWith('-') || branch.Contains("..", StringComparison.Ordinal))
        {
            throw new ActuatorException($"git: branch '{branch}' is not accepted; accepted: a new branch, never the base branch {settings.BaseBranch}");
        }

        using var held = await repositories.LockAsync(service, cancellationToken);
        var directory = await repositories.DirectoryAsync(service, cancellationToken);
        var remote = RepositoryIndex.PushRemote(settings);
        if (remote is not null && settings.Path is not { Length: > 0 })
        {
            await Git(directory, cancellationToken, "fetch", "--quiet", "origin", $"+refs/heads/{settings.BaseBranch}:{RepositoryIndex.BaseRef(settings)}");
        }

        var revision = changes.GetValueOrDefault("revision") is { Length: > 0 } r && await Exists(directory, r + "^{commit}", cancellationToken) ? r : RepositoryIndex.BaseRef(settings);
        if (await Exists(directory, "refs/heads/" + branch, cancellationToken))
        {
            throw new ActuatorException($"git: branch {branch} already exists in {directory}; delete it (or close its pull request) to propose the fix again");
        }

        var worktree = Path.Combine(Path.GetTempPath(), "meshheal-worktree-" + Guid.NewGuid().ToString("N")[..12]);
        var pushed = false;
        try
        {
            await Git(directory, cancellationToken, "worktree", "add", "--quiet", "-b", branch, worktree, revision);
            try
            {
                await GitCli.RunAsync(worktree, ["apply", "--whitespace=nowarn", "-"], GitTimeout, time, cancellationToken, input: patch);
            }
            catch (GitException ex)
            {
                throw new ActuatorException($"git: the patch does not apply to {settings.BaseBranch} at {revision}: {ex.Message}");
            }

            if (settings.Build.Length > 0)
            {
                var command = settings.Build.Select(a => a.Replace("{worktree}", worktree, StringComparison.Ordinal)).ToArray();
                try
                {
                    await ProcessRunner.RunAsync(command[0], worktree, command[1..], settings.BuildTimeout, time, cancellationToken, environment: BuildEnvironment);
                }
                catch (ActuatorException ex)
                {
                    throw new ActuatorException($"git: the patch does not build ({string.Join(' ', settings.Build)}): {ex.Message}");
                }
            }

            await Git(worktree, cancellationToken, "add", "--", path);
            var body = changes.GetValueOrDefault("body") ?? string.Empty;
            var issue = changes.GetValueOrDefault("issueId") is { Length: > 0 } id ? $"{id} ({changes.GetValueOrDefault("issue") ?? target})" : changes.GetValueOrDefault("issue") ?? target;
            var message = $"{Need("title")}\n\n{body}\n\nMesh-Heal-Issue: {issue}\nMesh-Heal-Actor: {actor}\n";
            await GitCli.RunAsync(worktree, ["-c", "user.name=" + settings.AuthorName, "-c", "user.email=" + settings.AuthorEmail, "-c", "commit.gpgsign=false", "commit", "--quiet", "-F", "-"],
                GitTimeout, time, cancellationToken, input: message);
            var commit = (await Git(worktree, cancellationToken, "rev-parse", "HEAD")).Trim();
            if (remote is not null)
            {
                await Git(worktree, cancellationToken, "push", "--quiet", remote, $"refs/heads/{branch}:refs/heads/{branch}");
                pushed = true;
            }

            var previous = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            {
                ["branch"] = branch,
                ["commit"] = commit,
                ["remote"] = remote,
            };
            if (settings.GitHub is { } github)
            {
                var (number, url) = await PullRequests.OpenAsync(github, branch, settings.BaseBranch, Need("title"), $"{body}\n\nMesh.Heal issue: `{issue}` (`meshctl issues`).");
                previous["pullRequest"] = number.ToString(CultureInfo.InvariantCulture);
                previous["url"] = url;
            }

            return previous;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            await RemoveWorktreeAsync(directory, worktree);
            await Quietly(directory, "branch", "-D", branch);
            if (pushed)
            {
                await Quietly(directory, "push", "--quiet", remote!, "--delete", branch);
            }

            throw;
        }
        finally
        {
            await RemoveWorktreeAsync(directory, worktree);
        }
    }

    private async Task UndoCoreAsync(string target, IReadOnlyDictionary<string, string?> previous, string actor, CancellationToken cancellationToken)
    {
        var service = target.Split('/')[0];
        var settings = repositories.Settings(service) ?? throw new ActuatorException($"git: ControlPlane:Logs:Services:{service}:Repository is not configured");
        if (settings.GitHub is { } github && int.TryParse(previous.GetValueOrDefault("pullRequest"), CultureInfo.InvariantCulture, out var number))
        {
            await PullRequests.CloseAsync(github, number, $"Withdrawn by Mesh.Heal ({actor}): the fix is rolled back and its commit reverted on this branch.");
        }

        if (previous.GetValueOrDefault("branch") is not { Length: > 0 } branch || previous.GetValueOrDefault("commit") is not { Length: > 0 } commit)
        {
            return;
        }

        using var held = await repositories.LockAsync(service, cancellationToken);
        var directory = await repositories.DirectoryAsync(service, cancellationToken);
        var worktree = Path.Combine(Path.GetTempPath(), "meshheal-worktree-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await Git(directory, cancellationToken, "worktree", "add", "--quiet", worktree, branch);
            await GitCli.RunAsync(worktree, ["-c", "user.name=" + settings.AuthorName, "-c", "user.email=" + settings.AuthorEmail, "-c", "commit.gpgsign=false", "revert", "--no-edit", commit],
                GitTimeout, time, cancellationToken);
            if (previous.GetValueOrDefault("remote") is { Length: > 0 } remote)
            {
                await Git(worktree, cancellationToken, "push", "--quiet", remote, $"refs/heads/{branch}:refs/heads/{branch}");
            }
        }
        finally
        {
            await RemoveWorktreeAsync(directory, worktree);
        }
    }

    private Task<string> Git(string directory, CancellationToken cancellationToken, params string[] arguments) =>
        GitCli.RunAsync(directory, arguments, GitTimeout, time, cancellationToken);

    private async Task<bool> Exists(string directory, string reference, CancellationToken cancellationToken)
    {
        try
        {
            await Git(directory, cancellationToken, "rev-parse", "--verify", "--quiet", reference);
            return true;
        }
        catch (GitException)
        {
            return false;
        }
    }

    private async Task RemoveWorktreeAsync(string directory, string worktree)
    {
        if (Directory.Exists(worktree))
        {
            await Quietly(directory, "worktree", "remove", "--force", worktree);
        }

        await Quietly(directory, "worktree", "prune");
    }

    // Clean-up that must not hide the error that called for it.
    private async Task Quietly(string directory, params string[] arguments)
    {
        try
        {
            await GitCli.RunAsync(directory, arguments, GitTimeout, time, CancellationToken.None);
        }
        catch (GitException)
        {
        }
    }
}
