using Mesh.Heal.Agents;
using Mesh.Heal.Agents.Logs;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Logs;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Git;

/// <summary>Keeps each service's repository at hand for the bug fixer: a local one used in place, one given by URL cloned
/// and fetched; the base branch's revision and file list; and the text of the files its errors point at.</summary>
/// <remarks>
/// Files are read with <c>git show &lt;revision&gt;:&lt;path&gt;</c>, never from a checkout, so what the agent reads is the base
/// branch as committed, whatever the working tree holds. The revision and the file list are refreshed at most every
/// <see cref="LogOptions.RepositoryRefresh"/>; a file's text is kept per revision. Work on one repository is serialised
/// (<see cref="LockAsync"/>): the actuator's worktrees and this index's fetches do not race.
/// </remarks>
internal sealed partial class RepositoryIndex(IOptions<LogOptions> options, IOptions<ControlPlaneOptions> host, TimeProvider time, ILogger<RepositoryIndex> logger)
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan RefreshWait = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, State> _states = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private LogOptions Options => options.Value;

    /// <summary>The repository settings of <paramref name="service"/>, or null.</summary>
    public RepositoryOptions? Settings(string service) => Options.Services.GetValueOrDefault(service)?.Repository;

    /// <summary>Takes the repository of <paramref name="service"/> for the caller alone until the returned handle is disposed.</summary>
    public async Task<IDisposable> LockAsync(string service, CancellationToken cancellationToken)
    {
        var state = StateOf(service);
        await state.Gate.WaitAsync(cancellationToken);
        return new Release(state.Gate);
    }

    /// <summary>The directory git runs in for <paramref name="service"/>: the configured path, or the clone (made on first use).</summary>
    /// <exception cref="GitException">The service has no repository, or it cannot be cloned.</exception>
    public async Task<string> DirectoryAsync(string service, CancellationToken cancellationToken)
    {
        var settings = Settings(service) ?? throw new GitException($"git: ControlPlane:Logs:Services:{service}:Repository is not configured");
        if (settings.Path is { Length: > 0 } path)
        {
            return path;
        }

        var clone = System.IO.Path.Combine(CloneRoot(), service);
        if (!Directory.Exists(System.IO.Path.Combine(clone, ".git")))
        {
            Directory.CreateDirectory(CloneRoot());
            await GitCli.RunAsync(CloneRoot(), ["clone", "--quiet", "--no-checkout", settings.Url!, clone], GitTimeout, time, cancellationToken);
        }

        return clone;
    }

    /// <summary>The ref of the base branch in the directory: the branch itself in place, its remote-tracking ref in a clone.</summary>
    public static string BaseRef(RepositoryOptions settings) =>
        settings.Path is { Length: > 0 } ? $"refs/heads/{settings.BaseBranch}" : $"refs/remotes/origin/{settings.BaseBranch}";

    /// <summary>The remote patch branches are pushed to, or null when they stay in the local repository.</summary>
    public static string? PushRemote(RepositoryOptions settings) => settings.Path is { Length: > 0 } ? settings.Remote : "origin";

    /// <summary>The source trees of every service with a repository, holding the files the errors in <paramref name="logs"/> point at.</summary>
    /// <remarks>Never waits long: a refresh (a fetch, a clone) runs beside it and is waited for a second at most, and while the
    /// repository is taken (the actuator building a patch) only the files read before are given.</remarks>
    public async Task<IReadOnlyDictionary<string, SourceTree>> TreesAsync(IReadOnlyList<LogDigest> logs, CancellationToken cancellationToken)
    {
        var trees = new Dictionary<string, SourceTree>(StringComparer.Ordinal);
        foreach (var (service, settings) in Options.Services)
        {
            if (settings.Repository is { } repository && await TreeAsync(service, repository, logs.FirstOrDefault(l => l.Service == service), cancellationToken) is { } tree)
            {
                trees[service] = tree;
            }
        }

        return trees;
    }

    private async Task<SourceTree?> TreeAsync(string service, RepositoryOptions settings, LogDigest? digest, CancellationToken cancellationToken)
    {
        var state = StateOf(service);
        var now = time.GetUtcNow();
        lock (state)
        {
            if ((state.Revision is null || now - state.RefreshedAt >= Options.RepositoryRefresh) && state.Refreshing is null)
            {
                state.RefreshedAt = now;
                state.Refreshing = Task.Run(() => RefreshAsync(service, state, settings), CancellationToken.None);
            }
        }

        if (state.Refreshing is { } refreshing)
        {
            try
            {
                await refreshing.WaitAsync(RefreshWait, time, cancellationToken);
            }
            catch (TimeoutException)
            {
            }
        }

        string? revision;
        IReadOnlyList<string> paths;
        lock (state)
        {
            (revision, paths) = (state.Revision, state.Paths);
        }

        if (revision is null)
        {
            return null;
        }

        var tree = new SourceTree(service, settings.Path ?? settings.Url ?? string.Empty, settings.BaseBranch, revision) { Paths = paths, Builds = settings.Build.Length > 0 };
        // The files the errors' frames point at, and the service's JSON configuration (for timeout fixes).
        var wanted = (digest?.Clusters ?? [])
            .SelectMany(c => c.Frames.Where(f => !f.IsFramework).Take(5))
            .Select(f => tree.Resolve(f.File))
            .OfType<string>()
            .Concat(paths.Where(p => System.IO.Path.GetFileName(p).StartsWith("appsettings", StringComparison.OrdinalIgnoreCase) && p.EndsWith(".json", StringComparison.OrdinalIgnoreCase)).Take(10))
            .Distinct(StringComparer.Ordinal)
            .Take(50)
            .ToList();
        bool Missing(string path)
        {
            lock (state)
            {
                return !state.Files.ContainsKey(path);
            }
        }

        if (wanted.Any(Missing) && await state.Gate.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            try
            {
                var directory = await DirectoryAsync(service, cancellationToken);
                foreach (var path in wanted.Where(Missing))
                {
                    var text = await GitCli.RunAsync(directory, ["show", $"{revision}:{path}"], GitTimeout, time, cancellationToken);
                    lock (state)
                    {
                        if (state.Revision == revision)
                        {
                            state.Files[path] = text;
                        }
                    }
                }
            }
            catch (GitException ex)
            {
                LogUnavailable(logger, service, ex.Message);
            }
            finally
            {
                state.Gate.Release();
            }
        }

        lock (state)
        {
            return tree with { Files = new Dictionary<string, string>(state.Files, StringComparer.Ordinal) };
        }
    }

    // The base branch's revision and file list, fetched (cloned the first time) for a repository given by URL; under the
    // repository's gate, so it never races the actuator's worktrees.
    private async Task RefreshAsync(string service, State state, RepositoryOptions settings)
    {
        await state.Gate.WaitAsync();
        try
        {
            var directory = await DirectoryAsync(service, CancellationToken.None);
            if (settings.Path is not { Length: > 0 })
            {
                await GitCli.RunAsync(directory, ["fetch", "--quiet", "origin", $"+refs/heads/{settings.BaseBranch}:{BaseRef(settings)}"], GitTimeout, time, CancellationToken.None);
            }

            var revision = (await GitCli.RunAsync(directory, ["rev-parse", "--verify", BaseRef(settings) + "^{commit}"], GitTimeout, time, CancellationToken.None)).Trim();
            if (revision != state.Revision)
            {
                var listing = await GitCli.RunAsync(directory, ["ls-tree", "-r", "--name-only", "-z", revision], GitTimeout, time, CancellationToken.None);
                lock (state)
                {
                    state.Paths = listing.Split('\0', StringSplitOptions.RemoveEmptyEntries);
                    state.Files.Clear();
                    state.Revision = revision;
                }
            }
        }
        catch (GitException ex)
        {
            LogUnavailable(logger, service, ex.Message);
        }
        finally
        {
            state.Gate.Release();
            lock (state)
            {
                state.Refreshing = null;
            }
        }
    }

    private string CloneRoot() =>
        Options.CloneDirectory is { Length: > 0 } dir ? dir
        : System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(host.Value.StorePath)) ?? ".", "meshheal-repos");

    private State StateOf(string service)
    {
        lock (_lock)
        {
            if (!_states.TryGetValue(service, out var state))
            {
                _states[service] = state = new State();
            }

            return state;
        }
    }

    private sealed class State
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public string? Revision { get; set; }

        public DateTimeOffset RefreshedAt { get; set; }

        public Task? Refreshing { get; set; }

        public IReadOnlyList<string> Paths { get; set; } = [];

        public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    [LoggerMessage(EventId = 811, Level = LogLevel.Warning, Message = "The repository of {Service} could not be read: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string service, string reason);
}
