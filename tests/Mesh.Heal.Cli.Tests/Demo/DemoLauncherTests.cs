using Mesh.Heal.Cli.Demo;

namespace Mesh.Heal.Cli.Tests.Demo;

public sealed class DemoLauncherTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("meshctl-launcher-");

    public void Dispose() => _root.Delete(recursive: true);

    private static Func<string, string?> NoEnvironment => _ => null;

    private string SourceTree()
    {
        File.WriteAllText(Path.Combine(_root.FullName, "Mesh.Heal.sln"), string.Empty);
        Directory.CreateDirectory(Path.Combine(_root.FullName, "src", "Mesh.Heal.Demo"));
        File.WriteAllText(Path.Combine(_root.FullName, DemoLauncher.ProjectPath), "<Project />");
        return _root.FullName;
    }

    [Theory]
    [InlineData("Debug")]
    [InlineData("Release")]
    public void TryLocate_MeshctlBuiltInASourceTree_RunsTheDemoProjectInTheSameConfiguration(string configuration)
    {
        var root = SourceTree();
        var meshctl = Directory.CreateDirectory(Path.Combine(root, "src", "Mesh.Heal.Cli", "bin", configuration, "net10.0")).FullName;

        Assert.True(DemoLauncher.TryLocate(["demo", "--quiet"], meshctl, Path.GetTempPath(), NoEnvironment, out var command, out var error), error);

        Assert.Equal("dotnet", command.FileName);
        Assert.Equal(["run", "--project", Path.Combine(root, DemoLauncher.ProjectPath), "-c", configuration, "--verbosity", "quiet", "--", "demo", "--quiet"], command.Arguments);
    }

    [Fact]
    public void TryLocate_InstalledMeshctlRunInsideASourceTree_FindsItFromTheCurrentDirectory()
    {
        var root = SourceTree();
        var elsewhere = Directory.CreateTempSubdirectory("meshctl-installed-");
        try
        {
            Assert.True(DemoLauncher.TryLocate(["upstream"], elsewhere.FullName, Path.Combine(root, "src"), NoEnvironment, out var command, out var error), error);
            Assert.Contains(Path.Combine(root, DemoLauncher.ProjectPath), command.Arguments);
            Assert.Equal("upstream", command.Arguments[^1]);
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }

    [Fact]
    public void TryLocate_InstalledLayout_RunsTheDemoFolderBesideMeshctl()
    {
        var cli = Directory.CreateDirectory(Path.Combine(_root.FullName, "cli")).FullName;
        var demo = Directory.CreateDirectory(Path.Combine(_root.FullName, "demo")).FullName;
        File.WriteAllText(Path.Combine(demo, DemoLauncher.AssemblyFile), string.Empty);

        Assert.True(DemoLauncher.TryLocate(["demo"], cli, cli, NoEnvironment, out var command, out var error), error);

        Assert.Equal("dotnet", command.FileName);
        Assert.Equal([Path.Combine(demo, DemoLauncher.AssemblyFile), "demo"], command.Arguments);
    }

    [Fact]
    public void TryLocate_VariableNamesAnExecutable_RunsIt_AndAMissingOneIsAnError()
    {
        var executable = Path.Combine(_root.FullName, "meshheal-demo");
        File.WriteAllText(executable, string.Empty);

        Assert.True(DemoLauncher.TryLocate(["demo"], _root.FullName, _root.FullName, v => v == DemoLauncher.ProgramVariable ? executable : null, out var command, out _));
        Assert.Equal(executable, command.FileName);
        Assert.Equal(["demo"], command.Arguments);

        Assert.False(DemoLauncher.TryLocate(["demo"], _root.FullName, _root.FullName, _ => executable + ".missing", out _, out var error));
        Assert.StartsWith($"{DemoLauncher.ProgramVariable}={executable}.missing: no such file", error);
    }

    [Fact]
    public void TryLocate_OutsideASourceTreeAndNotInstalled_SaysWhereItLooked()
    {
        var nowhere = Directory.CreateDirectory(Path.Combine(_root.FullName, "a", "b")).FullName;

        Assert.False(DemoLauncher.TryLocate(["demo"], nowhere, nowhere, NoEnvironment, out _, out var error));

        Assert.StartsWith("the demo host was not found", error);
        Assert.Contains(DemoLauncher.ProgramVariable, error);
        Assert.Contains("Mesh.Heal.sln", error);
        Assert.Contains(nowhere, error);
    }

    [Fact]
    public void FindSourceTree_FromTheTestsOwnOutput_IsThisRepository()
    {
        var root = DemoLauncher.FindSourceTree(AppContext.BaseDirectory);

        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, DemoLauncher.ProjectPath)));
    }
}
