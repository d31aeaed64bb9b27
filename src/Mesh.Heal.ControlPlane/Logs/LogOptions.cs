using Mesh.Heal.Agents.Logs;

namespace Mesh.Heal.ControlPlane.Logs;

/// <summary>Where services' logs come from and how they are analysed; the <c>ControlPlane:Logs</c> section.</summary>
/// <remarks>
/// Logs arrive three ways: pushed to <c>MeshControl.IngestLogs</c> (<c>POST /v1/logs/{service}</c>), tailed from the files
/// each service names (<see cref="ServiceLogOptions.Files"/>), and read from its pods' logs through the Kubernetes API
/// (<see cref="ServiceLogOptions.Kubernetes"/>). A service's git repository (<see cref="ServiceLogOptions.Repository"/>) lets
/// the bug fixer propose patches.
/// </remarks>
public sealed class LogOptions
{
    /// <summary>The most lines accepted in one pushed batch. Default 5,000; accepted 1 to 100,000.</summary>
    public int MaxBatchLines { get; set; } = 5000;

    /// <summary>The longest line kept; a longer one is counted as malformed and dropped. Default 16 KiB; accepted 256 B to 1 MiB.</summary>
    public int MaxLineBytes { get; set; } = 16 * 1024;

    /// <summary>The most services whose logs are analysed at once; logs pushed for a further service are refused.</summary>
    /// <remarks>Default 1,000; accepted 1 to 100,000. Services named in <see cref="Services"/> are always taken.</remarks>
    public int MaxServices { get; set; } = 1000;

    /// <summary>How often files and pod logs are read. Default 1 s; accepted 100 ms to 5 min.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How much of a file that exists when it is first seen is read: its last this many bytes. Default 8 MiB.</summary>
    public long MaxBacklogBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>How often a repository's base branch is fetched and its file list read again. Default 30 s; accepted 1 s to 1 day.</summary>
    public TimeSpan RepositoryRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where clones of repositories given by URL are kept. Default <c>meshheal-repos</c> beside the store.</summary>
    public string? CloneDirectory { get; set; }

    /// <summary>How the analyzers mine and cluster.</summary>
    public LogAnalyzerOptions Analyzer { get; set; } = new();

    /// <summary>Per service: files, pods and repository.</summary>
    public Dictionary<string, ServiceLogOptions> Services { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Where one service's logs and code are.</summary>
public sealed class ServiceLogOptions
{
    /// <summary>Files to tail: paths or globs (<c>/var/log/orders/*.log</c>, <c>logs/**/*.json</c>). Default none.</summary>
    public string[] Files { get; set; } = [];

    /// <summary>Its pods, whose logs are read through the Kubernetes API. Default none.</summary>
    public PodLogOptions? Kubernetes { get; set; }

    /// <summary>Its git repository, for patches. Default none: findings come with a proposal in words.</summary>
    public RepositoryOptions? Repository { get; set; }
}

/// <summary>The pods of a service, as the Kubernetes API finds them.</summary>
public sealed class PodLogOptions
{
    /// <summary>The namespace. Default <c>default</c>.</summary>
    public string Namespace { get; set; } = "default";

    /// <summary>The label selector of its pods (<c>app=orders</c>). Required.</summary>
    public string Selector { get; set; } = string.Empty;

    /// <summary>The container whose log is read. Default none: the pod's only container.</summary>
    public string? Container { get; set; }

    /// <summary>How far back a pod's log is read when it is first seen. Default 5 min.</summary>
    public TimeSpan InitialWindow { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>A service's git repository, and how a patch becomes a pull request.</summary>
public sealed class RepositoryOptions
{
    /// <summary>A local repository, used in place. One of <see cref="Path"/> and <see cref="Url"/> is required.</summary>
    public string? Path { get; set; }

    /// <summary>A clone URL (<c>https://github.com/shop/orders.git</c>, a <c>file://</c> URL, or a path to a bare repository);
    /// it is cloned under <see cref="LogOptions.CloneDirectory"/> and patches are pushed to it.</summary>
    public string? Url { get; set; }

    /// <summary>The branch fixes are proposed against. Default <c>main</c>.</summary>
    public string BaseBranch { get; set; } = "main";

    /// <summary>The remote a <see cref="Path"/> repository pushes patch branches to. Default none: the branch stays local.</summary>
    public string? Remote { get; set; }

    /// <summary>The command that builds a patch in its worktree (<c>dotnet</c>, <c>build</c>, <c>src/Orders</c>); a patch that
    /// fails it is not proposed. <c>{worktree}</c> is replaced by the worktree's path. Default none: no build.</summary>
    public string[] Build { get; set; } = [];

    /// <summary>How long the build may take. Default 5 min; accepted 1 s to 1 h.</summary>
    public TimeSpan BuildTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The name and e-mail patches are committed as. Default <c>Mesh.Heal</c>, <c>meshheal@localhost</c>.</summary>
    public string AuthorName { get; set; } = "Mesh.Heal";

    /// <summary>The committer's e-mail.</summary>
    public string AuthorEmail { get; set; } = "meshheal@localhost";

    /// <summary>Where pull requests are opened. Default none: the branch is the proposal.</summary>
    public GitHubOptions? GitHub { get; set; }
}

/// <summary>A GitHub repository and the credentials to open pull requests in it.</summary>
public sealed class GitHubOptions
{
    /// <summary>The owner (user or organisation). Required.</summary>
    public string Owner { get; set; } = string.Empty;

    /// <summary>The repository name. Required.</summary>
    public string Repository { get; set; } = string.Empty;

    /// <summary>The API server for GitHub Enterprise (<c>https://github.example.com/</c>; Octokit adds <c>api/v3/</c>). Default github.com's.</summary>
    public string? ApiUrl { get; set; }

    /// <summary>The token, or <c>env:NAME</c> or <c>file:/path</c> to read it from. Required.</summary>
    public string Token { get; set; } = string.Empty;
}
