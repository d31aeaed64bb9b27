namespace Mesh.Heal.Chaos;

/// <summary>Where the built programs are: each project's own output, built by <c>dotnet build Mesh.Heal.sln</c>.</summary>
internal static class Programs
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration this assembly was built in, so the programs match it (Debug under tests/run.sh).</summary>
    public static string Configuration { get; } = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string Sidecar => Dll("Mesh.Heal.Sidecar", "Mesh.Heal.Sidecar");

    public static string ControlPlane => Dll("Mesh.Heal.ControlPlane", "Mesh.Heal.ControlPlane");

    public static string Meshctl => Dll("Mesh.Heal.Cli", "meshctl");

    /// <summary>The demo host, whose <c>upstream</c> verb is the scenarios' upstream (what <c>meshctl upstream</c> runs).</summary>
    public static string Demo => Dll("Mesh.Heal.Demo", "meshheal-demo");

    private static string Dll(string project, string assembly)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", assembly + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; run: dotnet build Mesh.Heal.sln -c {Configuration}");
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
