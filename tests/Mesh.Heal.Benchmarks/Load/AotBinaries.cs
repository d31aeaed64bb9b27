using System.Runtime.InteropServices;

namespace Mesh.Heal.Benchmarks.Load;

/// <summary>The NativeAOT executables the load benchmark compares: the sidecar and bare YARP.</summary>
/// <remarks>Published into artifacts/bench/ (the sidecar by tests/bench/publish-sidecar-aot.sh, bare YARP by
/// <c>dotnet publish -p:PublishAot=true</c>), and published again only when a source file is newer than the executable,
/// so a second run starts measuring at once. <c>--sidecar-aot</c> and <c>--yarp-aot</c> take executables published elsewhere.</remarks>
internal static class AotBinaries
{
    /// <summary>The sidecar's executable: <paramref name="given"/>, or published from src/ when out of date.</summary>
    public static async Task<string> SidecarAsync(string root, string? given, TextWriter log)
    {
        if (given is not null)
        {
            return Existing(given, "--sidecar-aot");
        }

        var output = Path.Combine(root, "artifacts", "bench", "sidecar-aot");
        var binary = Path.Combine(output, "Mesh.Heal.Sidecar");
        if (UpToDate(binary, Path.Combine(root, "src"), root))
        {
            return binary;
        }

        await log.WriteLineAsync("publishing the sidecar with NativeAOT (tests/bench/publish-sidecar-aot.sh: 1.5-3 min on a free machine, more when it is shared)...");
        var (code, text) = await Tools.RunWithOutputAsync("bash", Path.Combine(root, "tests", "bench", "publish-sidecar-aot.sh"), output);
        return code == 0 && File.Exists(binary)
            ? binary
            : throw new InvalidOperationException(
                $"tests/bench/publish-sidecar-aot.sh failed ({code}); fix the build or pass --sidecar-aot <executable> published elsewhere:\n{Tail(text)}");
    }

    /// <summary>Bare YARP's executable: <paramref name="given"/>, or published from tests/Mesh.Heal.Benchmarks.BareYarp when out of date.</summary>
    public static async Task<string> BareYarpAsync(string root, string? given, TextWriter log)
    {
        if (given is not null)
        {
            return Existing(given, "--yarp-aot");
        }

        var project = Path.Combine(root, "tests", "Mesh.Heal.Benchmarks.BareYarp");
        var output = Path.Combine(root, "artifacts", "bench", "bare-yarp-aot");
        var binary = Path.Combine(output, "bare-yarp");
        if (UpToDate(binary, project, root))
        {
            return binary;
        }

        if (await Tools.EnsureAsync(("clang", "clang"), ("/usr/include/zlib.h", "zlib1g-dev")) is { } missing)
        {
            throw new InvalidOperationException("NativeAOT publish: " + missing);
        }

        await log.WriteLineAsync("publishing bare YARP with NativeAOT (1-3 min on a free machine, more when it is shared)...");
        var rid = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var (code, text) = await Tools.RunWithOutputAsync(
            "dotnet", "publish", Path.Combine(project, "Mesh.Heal.Benchmarks.BareYarp.csproj"), "-c", "Release", "-r", rid,
            "-p:PublishAot=true", "-p:TreatWarningsAsErrors=true", "-o", output, "--verbosity", "quiet");
        return code == 0 && File.Exists(binary)
            ? binary
            : throw new InvalidOperationException($"publishing bare YARP with NativeAOT failed ({code}); pass --yarp-aot <executable>:\n{Tail(text)}");
    }

    private static string Existing(string path, string option) =>
        File.Exists(path) ? Path.GetFullPath(path) : throw new FileNotFoundException($"{option} {path}: no such file");

    // Out of date when any source, project or props file under the sources (or at the root) is newer than the executable.
    private static bool UpToDate(string binary, string sources, string root)
    {
        if (!File.Exists(binary))
        {
            return false;
        }

        var built = File.GetLastWriteTimeUtc(binary);
        var inputs = Directory.EnumerateFiles(sources, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .Concat(Directory.EnumerateFiles(root, "Directory.*.props"));
        return inputs.All(f => File.GetLastWriteTimeUtc(f) <= built);
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(20));
}
