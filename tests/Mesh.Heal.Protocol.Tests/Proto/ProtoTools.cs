using System.Diagnostics;
using System.Reflection;
using System.Xml.Linq;

namespace Mesh.Heal.Protocol.Tests.Proto;

/// <summary>The repository's proto/ directory and the real tools that read it: Grpc.Tools' protoc and buf from npm.</summary>
internal static class ProtoTools
{
    /// <summary>The buf release the tests install from npm (@bufbuild/buf), cached under tests/.tools (gitignored).</summary>
    public const string BufVersion = "1.75.0";

    private static readonly SemaphoreSlim BufInstall = new(1, 1);

    public static string Root { get; } = FindRoot();

    public static string ProtoDirectory => Path.Combine(Root, "proto");

    public static string Baseline => Path.Combine(ProtoDirectory, "baseline", "meshheal-v1.binpb");

    /// <summary>Every .proto file under proto/, relative to it, as protoc names them.</summary>
    public static IReadOnlyList<string> ProtoFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*.proto", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(directory, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The protoc that Grpc.Tools ships, at the version Directory.Packages.props pins, and its well-known-types include directory.</summary>
    public static (string Protoc, string Include) Protoc()
    {
        var packages = typeof(ProtoTools).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NuGetPackageRoot").Value!;
        var version = XDocument.Load(Path.Combine(Root, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "Grpc.Tools")
            .Attribute("Version")!.Value;
        var tools = Path.Combine(packages, "grpc.tools", version);
        var protoc = Path.Combine(tools, "tools", "linux_x64", "protoc");
        return File.Exists(protoc)
            ? (protoc, Path.Combine(tools, "build", "native", "include"))
            : throw new FileNotFoundException($"{protoc} is missing; run: dotnet restore Mesh.Heal.sln");
    }

    /// <summary>buf, installed once with npm into tests/.tools/buf when it is not there yet.</summary>
    public static async Task<string> BufAsync()
    {
        var prefix = Path.Combine(Root, "tests", ".tools", "buf-" + BufVersion);
        var buf = Path.Combine(prefix, "node_modules", ".bin", "buf");
        await BufInstall.WaitAsync();
        try
        {
            if (!File.Exists(buf))
            {
                var install = await RunAsync("npm", Root, "install", "--no-audit", "--no-fund", "--prefix", prefix, "@bufbuild/buf@" + BufVersion);
                Assert.True(install.ExitCode == 0 && File.Exists(buf), $"npm install @bufbuild/buf@{BufVersion} failed (is npm installed?):\n{install.Output}");
            }
        }
        finally
        {
            BufInstall.Release();
        }

        return buf;
    }

    /// <summary>Runs a program to its end and returns its exit code with stdout and stderr together.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.Heal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Mesh.Heal.sln not found above " + AppContext.BaseDirectory);
    }
}
