using System.ComponentModel;
using System.Diagnostics;

namespace Mesh.Heal.Cli.Network;

/// <summary>Runs Debian's <c>iptables</c> in the current network namespace.</summary>
internal sealed class IptablesRunner
{
    private readonly string _program;

    /// <param name="program">The iptables program (a path, or a name on the PATH).</param>
    public IptablesRunner(string program = "iptables")
    {
        _program = program;
    }

    /// <summary>Runs iptables with <paramref name="args"/> and returns its exit code, standard output and standard error.</summary>
    public async Task<(int Code, string Output, string Error)> RunAsync(IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(_program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{_program} did not start");
        }
        catch (Win32Exception ex)
        {
            return (127, string.Empty, $"{_program} could not be started: {ex.Message} (install Debian's iptables)");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output, await error);
        }
    }
}
