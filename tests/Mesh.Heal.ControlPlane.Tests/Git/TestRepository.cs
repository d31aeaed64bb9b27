using System.Diagnostics;

namespace Mesh.Heal.ControlPlane.Tests.Git;

/// <summary>A real git repository in a temporary directory, with a bare repository as its <c>origin</c> (the "GitHub" side).</summary>
internal sealed class TestRepository : IDisposable
{
    public TestRepository(IReadOnlyDictionary<string, string> files)
    {
        Root = Directory.CreateTempSubdirectory("meshheal-repo-").FullName;
        Work = Path.Combine(Root, "work");
        Remote = Path.Combine(Root, "remote.git");
        Directory.CreateDirectory(Work);
        Git(Root, "init", "--quiet", "--bare", "-b", "main", Remote);
        Git(Work, "init", "--quiet", "-b", "main");
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(Work, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }

        Git(Work, "add", "-A");
        Git(Work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "--quiet", "-m", "the service");
        Git(Work, "remote", "add", "origin", Remote);
        Git(Work, "push", "--quiet", "origin", "main");
    }

    public string Root { get; }

    public string Work { get; }

    public string Remote { get; }

    public string Head(string reference = "main", string? directory = null) => Git(directory ?? Work, "rev-parse", reference).Trim();

    public static string Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)}: {error}");
        }

        return output.Result;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
