using System.Diagnostics;

namespace Mesh.Heal.Benchmarks.Load;

/// <summary>The Debian programs the load benchmark drives: installed with apt-get when running as root, as tests/run.sh does.</summary>
internal static class Tools
{
    /// <summary>Makes sure each command (or, for an absolute path such as a header, each file) exists; returns an error
    /// naming what to install when it cannot.</summary>
    public static async Task<string?> EnsureAsync(params (string Command, string Package)[] tools)
    {
        var missing = tools.Where(t => !Exists(t.Command)).Select(t => t.Package).ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        if (Environment.UserName != "root" || Which("apt-get") is null)
        {
            return $"missing {string.Join(' ', missing)}; install them (sudo apt-get install {string.Join(' ', missing)}) and run again";
        }

        await Console.Error.WriteLineAsync($"installing {string.Join(' ', missing)} with apt-get");
        var (code, _) = await RunWithOutputAsync("sh", "-c", $"apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {string.Join(' ', missing)} >/dev/null");
        return code == 0 && tools.All(t => Exists(t.Command)) ? null : $"apt-get could not install {string.Join(' ', missing)}";
    }

    private static bool Exists(string command) => Path.IsPathRooted(command) ? File.Exists(command) : Which(command) is not null;

    public static string? Which(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Append("/usr/sbin").Append("/sbin")
            .Select(dir => Path.Combine(dir, command)).FirstOrDefault(File.Exists);

    /// <summary>Runs a command to its end and returns its exit code and what it printed.</summary>
    public static async Task<(int Code, string Output)> RunWithOutputAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
