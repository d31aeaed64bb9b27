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
/// effect of a file going missing.
/// </remarks>
internal sealed partial class PolicyDirectoryWatcher(
    PolicyService policies, TimeProvider time, IOptions<ControlPlaneOptions> options, ILogger<PolicyDirectoryWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RescanInterval = TimeSpan.FromSeconds(30);
    private static readonly string[] Patterns = ["*.yaml", "*.yml", "*.json"];

    private readonly Dictionary<string, string> _hashes = new(StringComparer.Ordinal);
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Load before the host starts listening, so sidecars that connect at once get the directory's policies.
        if (options.Value.PolicyDirectory is { Length: > 0 } directory)
        {
            Scan(directory);
        }

        return base.StartAsync(cancellationToken);
    }

    /// <summary>Reads every document in the directory and submits the ones that changed.</summary>
    public void Scan(string directory)
    {
        foreach (var path in Patterns.SelectMany(p => Directory.EnumerateFiles(directory, p)).Order(StringComparer.Ordinal))
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (IOException ex)
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
            policies.Submit(text, service: null, "file:" + Path.GetFileName(path), "policy-directory");
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

                Scan(directory);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 230, Level = LogLevel.Warning, Message = "Policy file {Path} could not be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);
}
