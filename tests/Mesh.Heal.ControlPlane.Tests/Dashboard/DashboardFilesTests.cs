using Mesh.Heal.ControlPlane.Dashboard.Internal;

namespace Mesh.Heal.ControlPlane.Tests.Dashboard;

/// <summary>The page's files as embedded resources: named by their path under wwwroot, found only by that name.</summary>
public sealed class DashboardFilesTests
{
    private static readonly DashboardFiles Fixture = new(typeof(DashboardFilesTests).Assembly, "dashboard-fixture/");

    [Fact]
    public void Paths_NestedFiles_KeepTheirRelativePath()
    {
        Assert.Equal(["assets/app.js", "index.html", "style.css"], Fixture.Paths.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Open_EmptyPath_IsTheIndex()
    {
        using var stream = Fixture.Open("");
        Assert.NotNull(stream);
        Assert.Contains("<title>fixture</title>", new StreamReader(stream).ReadToEnd(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing.js")]
    [InlineData("../index.html")]
    [InlineData("assets/../index.html")]
    [InlineData("/index.html")]
    [InlineData("assets")]
    public void Open_NotAnEmbeddedName_FindsNothing(string path) => Assert.Null(Fixture.Open(path));

    [Theory]
    [InlineData("index.html", "text/html; charset=utf-8")]
    [InlineData("assets/app.js", "text/javascript; charset=utf-8")]
    [InlineData("style.css", "text/css; charset=utf-8")]
    [InlineData("logo.svg", "image/svg+xml; charset=utf-8")]
    [InlineData("logo.png", "image/png")]
    [InlineData("data.unknown", "application/octet-stream")]
    public void ContentType_ByExtension(string path, string expected) => Assert.Equal(expected, DashboardFiles.ContentType(path));

    [Fact]
    public void ControlPlane_EmbedsEveryWwwrootFile_UnderItsRelativePath()
    {
        // The csproj's EmbeddedResource names each file by its path under Dashboard/wwwroot; whatever the page holds, every
        // file on disk must be served under that path.
        var root = Path.Combine(RepositoryRoot(), "src", "Mesh.Heal.ControlPlane", "Dashboard", "wwwroot");
        var onDisk = Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList()
            : [];
        var embedded = new DashboardFiles(typeof(DashboardFiles).Assembly, DashboardConstants.ResourcePrefix).Paths.Order(StringComparer.Ordinal);

        Assert.Equal(onDisk, embedded);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Mesh.Heal.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Mesh.Heal.sln not found above " + AppContext.BaseDirectory);
    }
}
