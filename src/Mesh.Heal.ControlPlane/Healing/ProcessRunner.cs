using System.Diagnostics;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Runs a program (a cleanup command, git, a build) and tells its failure in words.</summary>
/// <remarks>It reports in its own terms, <see cref="ProcessFailedException"/>: git also feeds the snapshot, so each caller says
/// at its edge what a failure means to it (an actuator's <see cref="ActuatorException"/>, the repository index's GitException).</remarks>
internal static class ProcessRunner
{
    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/> in <paramref name="directory"/>, with
    /// <paramref name="environment"/> added and <paramref name="input"/> on its standard input; returns its standard output.</summary>
    /// <exception cref="ProcessFailedException">It could not be started, exited with an error (the end of its output is in the
    /// message), or ran past <paramref name="timeout"/>; it is killed then.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; it is killed.</exception>
    public static async Task<string> RunAsync(
        string program, string directory, IEnumerable<string> arguments, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken,
        string? input = null, IReadOnlyDictionary<string, string>? environment = null)
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

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ProcessFailedException($"'{program}' did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ProcessFailedException($"'{program}' could not be started: {ex.Message}");
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

                throw new ProcessFailedException($"{program} {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s");
            }

            var stdout = await Drained(output, time);
            var stderr = await Drained(error, time);
            if (process.ExitCode != 0)
            {
                var text = (stdout + "\n" + stderr).Trim();
                throw new ProcessFailedException($"{program} {string.Join(' ', start.ArgumentList.Take(3))} exited with {process.ExitCode}: {Tail(text)}");
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

/// <summary>A program <see cref="ProcessRunner"/> ran could not be started, failed, or ran past its timeout; the message says which.</summary>
internal sealed class ProcessFailedException(string message) : Exception(message);
