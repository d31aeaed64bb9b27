using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Git;

/// <summary>Carries out the bug fixer's <c>code.patch</c>: the patch on a new branch from the base revision, built in a
/// temporary worktree when a build is configured, committed citing the issue, pushed, and proposed as a pull request.</summary>
/// <remarks>
/// <para>
/// The <see cref="PatchReview"/> gives the branch, base, revision, path, patch (a unified diff), title, body and issue
/// (the fingerprint), and the issue id the coordinator adds; the commit and the pull request cite both. Only the new branch is ever
/// written or pushed, by an explicit <c>refs/heads/branch:refs/heads/branch</c> refspec, and nothing is merged: the base
/// branch is a person's. A patch that does not apply, does not build, or cannot be pushed or proposed leaves nothing behind
/// (the branch is deleted, locally and on the remote) and fails the action with the reason.
/// </para>
/// <para>
/// Undo closes the pull request with a comment and reverts the commit on its branch (pushed too), so the proposal is
/// withdrawn and its history kept.
/// </para>
/// </remarks>
internal sealed class GitActuator(RepositoryIndex repositories, TimeProvider time) : IActuator<PatchReview, ReviewUndo>
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromMinutes(2);

    // A build must not leave MSBuild nodes or the compiler server behind holding the output pipes open.
    private static readonly Dictionary<string, string> BuildEnvironment = new(StringComparer.Ordinal)
    {
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["UseSharedCompilation"] = "false",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
    };

    public async Task<ReviewUndo> ApplyAsync(PatchReview command, string actor, CancellationToken cancellationToken)
    {
        try
        {
            return await ApplyCoreAsync(command, actor, cancellationToken);
        }
        catch (GitException ex)
        {
            throw new ActuatorException(ex.Message);
        }
    }

    public async Task UndoAsync(PatchReview command, ReviewUndo undo, string actor, CancellationToken cancellationToken)
    {
        try
        {
            await UndoCoreAsync(command, undo, actor, cancellationToken);
        }
        catch (GitException ex)
        {
            throw new ActuatorException(ex.Message);
        }
    }

    private async Task<ReviewUndo> ApplyCoreAsync(PatchReview command, string actor, CancellationToken cancellationToken)
    {
        var service = command.ServiceName;
        var settings = repositories.Settings(service) ?? throw new ActuatorException($"git: ControlPlane:Logs:Services:{service}:Repository is not configured");
        static string Need(string key, string value) => value is { Length: > 0 } ? value : throw new ActuatorException($"git: the action has no '{key}'; accepted: a code.patch action of the bug fixer");
        var branch = Need("branch", command.Branch);
        var patch = Need("patch", command.Patch);
        var path = Need("path", command.Path);
        var title = Need("title", command.Title);
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

        var revision = command.Revision is { Length: > 0 } r && await Exists(directory, r + "^{commit}", cancellationToken) ? r : RepositoryIndex.BaseRef(settings);
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
                var build = settings.Build.Select(a => a.Replace("{worktree}", worktree, StringComparison.Ordinal)).ToArray();
                try
                {
                    await ProcessRunner.RunAsync(build[0], worktree, build[1..], settings.BuildTimeout, time, cancellationToken, environment: BuildEnvironment);
                }
                catch (ProcessFailedException ex)
                {
                    throw new ActuatorException($"git: the patch does not build ({string.Join(' ', settings.Build)}): {ex.Message}");
                }
            }

            await Git(worktree, cancellationToken, "add", "--", path);
            var body = command.Body;
            var cited = command.Issue is { Length: > 0 } fingerprint ? fingerprint : command.Target;
            var issue = command.IssueId is { Length: > 0 } id ? $"{id} ({cited})" : cited;
            var message = $"{title}\n\n{body}\n\nMesh-Heal-Issue: {issue}\nMesh-Heal-Actor: {actor}\n";
            await GitCli.RunAsync(worktree, ["-c", "user.name=" + settings.AuthorName, "-c", "user.email=" + settings.AuthorEmail, "-c", "commit.gpgsign=false", "commit", "--quiet", "-F", "-"],
                GitTimeout, time, cancellationToken, input: message);
            var commit = (await Git(worktree, cancellationToken, "rev-parse", "HEAD")).Trim();
            if (remote is not null)
            {
                await Git(worktree, cancellationToken, "push", "--quiet", remote, $"refs/heads/{branch}:refs/heads/{branch}");
                pushed = true;
            }

            if (settings.GitHub is { } github)
            {
                var (number, url) = await PullRequests.OpenAsync(github, branch, settings.BaseBranch, title, $"{body}\n\nMesh.Heal issue: `{issue}` (`meshctl issues`).");
                return new ReviewUndo(branch, commit, remote, number, url);
            }

            return new ReviewUndo(branch, commit, remote, null, null);
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

    private async Task UndoCoreAsync(PatchReview command, ReviewUndo undo, string actor, CancellationToken cancellationToken)
    {
        var service = command.ServiceName;
        var settings = repositories.Settings(service) ?? throw new ActuatorException($"git: ControlPlane:Logs:Services:{service}:Repository is not configured");
        if (settings.GitHub is { } github && undo.PullRequest is { } number)
        {
            await PullRequests.CloseAsync(github, number, $"Withdrawn by Mesh.Heal ({actor}): the fix is rolled back and its commit reverted on this branch.");
        }

        if (undo.Branch is not { Length: > 0 } branch || undo.Commit is not { Length: > 0 } commit)
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
            if (undo.Remote is { Length: > 0 } remote)
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

/// <summary>What a <see cref="PatchReview"/> opened: the branch and commit its undo reverts, where it was pushed, and the pull request it closes.</summary>
internal sealed record ReviewUndo(string Branch, string Commit, string? Remote, int? PullRequest, string? Url) : ActuatorUndo;
