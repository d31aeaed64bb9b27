using System.Diagnostics;
using Mesh.Heal.ControlPlane.Healing;

namespace Mesh.Heal.ControlPlane.Git;

/// <summary>Runs the real <c>git</c> program: no library holds worktrees, pushes and credentials the way git itself does.</summary>
internal static class GitCli
{
    /// <summary>Runs <c>git</c> with <paramref name="arguments"/> in <paramref name="directory"/>; returns its standard output.</summary>
    /// <exception cref="ActuatorException">git could not be started, failed, or ran past <paramref name="timeout"/>.</exception>
    public static Task<string> RunAsync(string directory, IEnumerable<string> arguments, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken, string? input = null) =>
        RunProgramAsync("git", directory, arguments, timeout, time, cancellationToken, input);

    /// <summary>Runs <paramref name="program"/>; returns its standard output, or throws with the end of its output when it fails.</summary>
    public static async Task<string> RunProgramAsync(
        string program, string directory, IEnumerable<string> arguments, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken, string? input = null)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Never wait for a password prompt, and read no user or system configuration that could change what git does.
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["LC_ALL"] = "C";
        // A build must not leave MSBuild nodes or the compiler server behind holding the output pipes open.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ActuatorException($"git: '{program}' did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ActuatorException($"git: '{program}' could not be started: {ex.Message}");
        }

        using (process)
        {
            // Read whole, not line by line: `git show` must give a file's bytes exactly, final newline or not.
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input);
                process.StandardInput.Close();
            }

            using var timer = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            try
            {
                await process.WaitForExitAsync(linked.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                if (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                throw new ActuatorException($"{program} {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s");
            }

            var stdout = await Drained(output, time);
            var stderr = await Drained(error, time);
            if (process.ExitCode != 0)
            {
                var text = (stdout + "\n" + stderr).Trim();
                throw new ActuatorException($"{program} {string.Join(' ', start.ArgumentList.Take(3))} exited with {process.ExitCode}: {Tail(text)}");
            }

            return stdout;
        }
    }

    // A grandchild that outlives the program may hold its pipe open: its output is not waited for past a few seconds.
    private static async Task<string> Drained(Task<string> read, TimeProvider time)
    {
        try
        {
            return await read.WaitAsync(TimeSpan.FromSeconds(5), time);
        }
        catch (TimeoutException)
        {
            return "(output still open after the program exited)";
        }
    }

    // The last lines of a long output (a build's errors come last).
    private static string Tail(string text)
    {
        var lines = text.Split('\n');
        var tail = string.Join('\n', lines[Math.Max(0, lines.Length - 15)..]);
        return tail.Length > 2000 ? tail[^2000..] : tail;
    }
}
