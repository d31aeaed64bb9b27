using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Mesh.Heal.ControlPlane.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Policies;

/// <summary>Loads every policy document in <see cref="ControlPlaneOptions.PolicyDirectory"/> at start and again whenever a file changes.</summary>
/// <remarks>
/// Change events are gathered for a short pause (editors write in several steps), and the whole directory is also
/// re-read every 30 s in case an event was missed. A file is submitted only when its content changed since it was
/// last read. A deleted file leaves its service's policy in force: removing a policy is an explicit act, not a side
/// effect of a file going missing. With several replicas only the leader reads it, and a replica that becomes leader reads it at once.
/// </remarks>
internal sealed partial class PolicyDirectoryWatcher(
    PolicyService policies, TimeProvider time, IOptions<ControlPlaneOptions> options, IOptions<LimitOptions> limits, ILogger<PolicyDirectoryWatcher> logger,
    Replication.LeaderElection? leadership = null) : BackgroundService
{
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RescanInterval = TimeSpan.FromSeconds(30);
    private static readonly string[] Patterns = ["*.yaml", "*.yml", "*.json"];

    private readonly Dictionary<string, string> _hashes = new(StringComparer.Ordinal);
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (leadership is not null && options.Value.PolicyDirectory is { Length: > 0 })
        {
            leadership.Elected += OnElected;
        }

        // Load before the host starts listening, so sidecars that connect at once get the directory's policies.
        if (options.Value.PolicyDirectory is { Length: > 0 } directory && Leads)
        {
            Scan(directory);
        }

        return base.StartAsync(cancellationToken);
    }

    /// <summary>Reads every document in the directory and submits the ones that changed.</summary>
    /// <remarks>
    /// Never throws: a file that cannot be read, is too large or is rejected is logged (and a rejection audited) and
    /// skipped, so one bad file neither stops start-up nor keeps the other files from loading.
    /// </remarks>
    public void Scan(string directory)
    {
        string[] paths;
        try
        {
            paths = [.. Patterns.SelectMany(p => Directory.EnumerateFiles(directory, p)).Order(StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            LogUnreadable(logger, directory, ex.Message);
            return;
        }

        var maxBytes = limits.Value.MaxPolicyBytes;
        foreach (var path in paths)
        {
            string text;
            try
            {
                var length = new FileInfo(path).Length;
                if (length > maxBytes)
                {
                    LogUnreadable(logger, path, $"it is {length} bytes; accepted: at most {maxBytes} bytes (ControlPlane:Limits:MaxPolicyBytes)");
                    continue;
                }

                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
            {
                LogUnreadable(logger, path, ex.Message);
                continue;
            }

            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
            if (_hashes.TryGetValue(path, out var seen) && seen == hash)
            {
                continue;
            }

            _hashes[path] = hash;
            try
            {
                policies.Submit(text, service: null, "file:" + Path.GetFileName(path), "policy-directory");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failure to store one file must not stop start-up or the other files; the next change retries it.
                _hashes.Remove(path);
                LogFailed(logger, path, ex);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.PolicyDirectory is not { Length: > 0 } directory)
        {
            return;
        }

        using var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, EnableRaisingEvents = true };
        FileSystemEventHandler changed = (_, _) => _changes.Writer.TryWrite(true);
        watcher.Changed += changed;
        watcher.Created += changed;
        watcher.Renamed += (_, _) => _changes.Writer.TryWrite(true);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                using var rescan = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                rescan.CancelAfter(RescanInterval);
                try
                {
                    await _changes.Reader.ReadAsync(rescan.Token);
                    await Task.Delay(SettleDelay, time, stoppingToken);
                    _changes.Reader.TryRead(out _);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // The periodic re-read.
                }

                if (Leads)
                {
                    Scan(directory);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (leadership is not null)
        {
            leadership.Elected -= OnElected;
        }

        await base.StopAsync(cancellationToken);
    }

    // A replica that becomes leader reads the directory at once.
    private void OnElected(Replication.LeaderTerm term) => _changes.Writer.TryWrite(true);

    // Replicas mount the same directory: only the leader submits it, so two replicas never store the same file as two versions.
    private bool Leads => leadership is null || leadership.Current is not null;

    [LoggerMessage(EventId = 230, Level = LogLevel.Warning, Message = "Policy file {Path} could not be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 231, Level = LogLevel.Error, Message = "Policy file {Path} could not be submitted")]
    private static partial void LogFailed(ILogger logger, string path, Exception exception);
}
