namespace Mesh.Heal.Agents;

/// <summary>What the bug fixer may read of a service's git repository: the revision of its base branch, every path in it, and
/// the text of the files its errors' frames point at and of its configuration files.</summary>
/// <param name="Service">The service.</param>
/// <param name="Repository">Where the repository is (a path or a clone URL), as configured.</param>
/// <param name="BaseBranch">The branch fixes are proposed against.</param>
/// <param name="Revision">The commit of <paramref name="BaseBranch"/> the files were read at.</param>
public sealed record SourceTree(string Service, string Repository, string BaseBranch, string Revision)
{
    /// <summary>Every file path in the revision, relative to the repository root, with <c>/</c> separators.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>The text of the files read, by path.</summary>
    public IReadOnlyDictionary<string, string> Files { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Whether a build command checks a patch before it is proposed.</summary>
    public bool Builds { get; init; }

    /// <summary>The repository path of <paramref name="file"/>, a path as a stack trace gives it (absolute, from the build
    /// machine), by the longest run of trailing path segments it shares with a path of the repository; null when none ends like it.</summary>
    public string? Resolve(string? file)
    {
        if (string.IsNullOrEmpty(file))
        {
            return null;
        }

        var segments = file.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string? best = null;
        var bestLength = 0;
        foreach (var path in Paths)
        {
            var parts = path.Split('/');
            var shared = 0;
            while (shared < parts.Length && shared < segments.Length && parts[^(shared + 1)] == segments[^(shared + 1)])
            {
                shared++;
            }

            if (shared > bestLength || (shared == bestLength && shared > 0 && best is not null && path.Length < best.Length))
            {
                best = shared > 0 ? path : best;
                bestLength = shared;
            }
        }

        return bestLength > 0 ? best : null;
    }
}
