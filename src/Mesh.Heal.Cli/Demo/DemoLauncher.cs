using System.Diagnostics;

namespace Mesh.Heal.Cli.Demo;

/// <summary>
/// <c>meshctl demo</c> and <c>meshctl upstream</c>: meshctl is the operator's client and references no server project, so
/// it runs the demo host (src/Mesh.Heal.Demo, <c>meshheal-demo</c>) as a process of its own, with the same arguments.
/// </summary>
/// <remarks>
/// Where the demo host is, first found wins: <see cref="ProgramVariable"/> (a <c>meshheal-demo.dll</c> or an
/// executable); an installed layout with a <c>demo/</c> folder beside meshctl's own (the image's /app/cli and /app/demo);
/// a source tree above meshctl or the current directory (the folder with Mesh.Heal.sln), run with <c>dotnet run</c>,
/// which builds it first.
/// </remarks>
internal static class DemoLauncher
{
    /// <summary>The environment variable that names the demo host to run: its .dll (run with dotnet) or an executable.</summary>
    public const string ProgramVariable = "MESHHEAL_DEMO";

    /// <summary>The demo host's assembly file name.</summary>
    public const string AssemblyFile = "meshheal-demo.dll";

    /// <summary>The demo project, relative to the source tree's root.</summary>
    public static readonly string ProjectPath = Path.Combine("src", "Mesh.Heal.Demo", "Mesh.Heal.Demo.csproj");

    /// <summary>Finds the demo host and the command that runs it with <paramref name="args"/>.</summary>
    /// <param name="args">The whole command line, verb first (<c>demo</c> or <c>upstream</c>).</param>
    /// <param name="baseDirectory">meshctl's own folder.</param>
    /// <param name="currentDirectory">The folder meshctl was started in.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <param name="command">The program and its arguments, when found.</param>
    /// <param name="error">Where it looked, when not found.</param>
    public static bool TryLocate(
        IReadOnlyList<string> args, string baseDirectory, string currentDirectory, Func<string, string?> environment,
        out (string FileName, List<string> Arguments) command, out string error)
    {
        command = default;
        error = string.Empty;
        if (environment(ProgramVariable) is { Length: > 0 } configured)
        {
            var path = Path.GetFullPath(configured, currentDirectory);
            if (!File.Exists(path))
            {
                error = $"{ProgramVariable}={configured}: no such file; it names the demo host ({AssemblyFile} or an executable)";
                return false;
            }

            command = path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ("dotnet", [path, .. args]) : (path, [.. args]);
            return true;
        }

        var installed = Path.GetFullPath(Path.Combine(baseDirectory, "..", "demo", AssemblyFile));
        if (File.Exists(installed))
        {
            command = ("dotnet", [installed, .. args]);
            return true;
        }

        if ((FindSourceTree(baseDirectory) ?? FindSourceTree(currentDirectory)) is { } root)
        {
            // The demo is built in meshctl's own configuration, so `dotnet run -c Release --project src/Mesh.Heal.Cli` stays Release.
            var configuration = baseDirectory.Replace('\\', '/').Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            command = ("dotnet", ["run", "--project", Path.Combine(root, ProjectPath), "-c", configuration, "--verbosity", "quiet", "--", .. args]);
            return true;
        }

        error = $"the demo host was not found: set {ProgramVariable} to its {AssemblyFile}, install it in a 'demo' folder beside meshctl's "
            + $"({Path.GetFullPath(Path.Combine(baseDirectory, "..", "demo"))}), or run meshctl inside a Mesh.Heal source tree "
            + $"(a folder with Mesh.Heal.sln and {ProjectPath}; looked above {baseDirectory} and {currentDirectory})";
        return false;
    }

    /// <summary>The root of the Mesh.Heal source tree at or above <paramref name="directory"/>, or null.</summary>
    public static string? FindSourceTree(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.Heal.sln")) && File.Exists(Path.Combine(dir.FullName, ProjectPath)))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>Runs the demo host with meshctl's console, and returns its exit code (2 when it cannot be found).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter error, Func<string, string?> environment)
    {
        if (!TryLocate(args, AppContext.BaseDirectory, Environment.CurrentDirectory, environment, out var command, out var problem))
        {
            await error.WriteLineAsync($"meshctl {args[0]}: {problem}");
            return 2;
        }

        var info = new ProcessStartInfo(command.FileName) { UseShellExecute = false };
        foreach (var argument in command.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{command.FileName} did not start");

        // Ctrl+C reaches the whole process group: the demo host stops by itself and meshctl waits for its exit code.
        ConsoleCancelEventHandler keepRunning = (_, e) => e.Cancel = true;
        Console.CancelKeyPress += keepRunning;
        try
        {
            await process.WaitForExitAsync();
            return process.ExitCode;
        }
        finally
        {
            Console.CancelKeyPress -= keepRunning;
        }
    }
}
