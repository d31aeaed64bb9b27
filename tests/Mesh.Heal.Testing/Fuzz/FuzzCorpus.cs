namespace Mesh.Heal.Testing;

/// <summary>The fuzz corpora kept in the repository and copied next to the tests: one case per file. Linked into every
/// project with a fuzz suite, beside <see cref="FuzzRunner"/>.</summary>
internal static class FuzzCorpus
{
    /// <summary>The files of <paramref name="directory"/> (relative to the test output), as names relative to it.</summary>
    public static TheoryData<string> Files(string directory)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path(directory)).Order(StringComparer.Ordinal))
        {
            data.Add(System.IO.Path.GetRelativePath(AppContext.BaseDirectory, file).Replace('\\', '/'));
        }

        return data;
    }

    /// <summary>The full path of a corpus file or directory named relative to the test output.</summary>
    public static string Path(string relative) => System.IO.Path.Combine(AppContext.BaseDirectory, relative);
}
