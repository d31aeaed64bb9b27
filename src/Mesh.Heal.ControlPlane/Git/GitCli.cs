using Mesh.Heal.ControlPlane.Healing;

namespace Mesh.Heal.ControlPlane.Git;

/// <summary>Runs the real <c>git</c> program: no library holds worktrees, pushes and credentials the way git itself does.</summary>
internal static class GitCli
{
    // Never wait for a password prompt, and read no system configuration that could change what git does.
    private static readonly Dictionary<string, string> Environment = new(StringComparer.Ordinal)
    {
        ["GIT_TERMINAL_PROMPT"] = "0",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["LC_ALL"] = "C",
    };

    /// <summary>Runs <c>git</c> with <paramref name="arguments"/> in <paramref name="directory"/>; returns its standard output.</summary>
    /// <exception cref="GitException">git could not be started, failed, or ran past <paramref name="timeout"/>.</exception>
    public static async Task<string> RunAsync(string directory, IEnumerable<string> arguments, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken, string? input = null)
    {
        try
        {
            return await ProcessRunner.RunAsync("git", directory, arguments, timeout, time, cancellationToken, input, Environment);
        }
        catch (ProcessFailedException ex)
        {
            throw new GitException(ex.Message, ex);
        }
    }
}
