using System.Text;
using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Logs;

/// <summary>Tails the log files each service names (paths or globs) into the <see cref="LogCollector"/>.</summary>
/// <remarks>
/// Every <see cref="LogOptions.PollInterval"/> the globs are expanded again, so files that appear later (a rotated
/// <c>app.log.1</c>'s successor, a new pod's file) are picked up. A file is read from where it was left; one that got
/// shorter was truncated or replaced and is read from its start; one that exists when first seen is read from its last
/// <see cref="LogOptions.MaxBacklogBytes"/>. A line is only taken once its newline arrives, and a source that read nothing
/// in a poll has its last record completed. A file that cannot be read is skipped until the next poll.
/// </remarks>
internal sealed partial class LogFileTailer(LogCollector collector, IOptions<LogOptions> options, TimeProvider time, ILogger<LogFileTailer> logger) : BackgroundService
{
    private const int MaximumChunk = 4 * 1024 * 1024;

    private readonly Dictionary<string, FileState> _files = new(StringComparer.Ordinal);

    private LogOptions Options => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Options.Services.Values.Any(s => s.Files.Length > 0))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            PollOnce();
            try
            {
                await Task.Delay(Options.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Reads what every configured file gained since the last poll.</summary>
    public void PollOnce()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (service, settings) in Options.Services)
        {
            foreach (var path in Expand(settings.Files))
            {
                seen.Add(path);
                try
                {
                    Read(service, path);
                }
                catch (IOException ex)
                {
                    LogUnreadable(logger, path, ex.Message);
                }
                catch (UnauthorizedAccessException ex)
                {
                    LogUnreadable(logger, path, ex.Message);
                }
            }
        }

        // Files that are gone (rotated away, deleted) are forgotten; one that comes back under the name is read from its start.
        foreach (var gone in _files.Keys.Where(p => !seen.Contains(p)).ToList())
        {
            _files.Remove(gone);
        }
    }

    private void Read(string service, string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (!_files.TryGetValue(path, out var state))
        {
            state = new FileState { Offset = Math.Max(0, stream.Length - Options.MaxBacklogBytes) };
            state.FromBacklog = state.Offset > 0;
            _files[path] = state;
        }

        if (stream.Length < state.Offset)
        {
            state.Offset = 0;
            state.FromBacklog = false;
        }

        var source = "file:" + path;
        var instance = Path.GetFileNameWithoutExtension(path);
        if (stream.Length == state.Offset)
        {
            if (state.Pending)
            {
                collector.Flush(service, instance, source);
                state.Pending = false;
            }

            return;
        }

        stream.Position = state.Offset;
        var buffer = new byte[Math.Min(stream.Length - state.Offset, MaximumChunk)];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        // Only whole lines are taken: the bytes after the last newline are read again next poll, so a line (or a character)
        // being written is never cut.
        var last = Array.LastIndexOf(buffer, (byte)'\n', read - 1);
        if (last < 0)
        {
            if (read == MaximumChunk)
            {
                // A line longer than a chunk: dropped, and counted as malformed.
                state.Offset += read;
                collector.Dropped(service, 1);
            }

            return;
        }

        var skipFirst = state.Offset > 0 && state.FromBacklog;
        state.FromBacklog = false;
        state.Offset += last + 1;
        var lines = Encoding.UTF8.GetString(buffer, 0, last).Split('\n');
        // A backlog read from the middle of a file starts mid-line: that first piece is not a line.
        collector.Add(service, instance, source, skipFirst ? lines[1..] : lines, complete: false);
        state.Pending = true;
    }

    private static IEnumerable<string> Expand(string[] patterns)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.IndexOfAny(['*', '?', '[']) < 0)
            {
                if (File.Exists(pattern))
                {
                    yield return Path.GetFullPath(pattern);
                }

                continue;
            }

            // The directory part before the first wildcard is the root the glob is matched under.
            var full = Path.GetFullPath(pattern);
            var wildcard = full.IndexOfAny(['*', '?', '[']);
            var root = full[..(full.LastIndexOf(Path.DirectorySeparatorChar, wildcard) + 1)];
            if (!Directory.Exists(root))
            {
                continue;
            }

            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddInclude(full[root.Length..]);
            foreach (var file in matcher.GetResultsInFullPath(root).Order(StringComparer.Ordinal))
            {
                yield return file;
            }
        }
    }

    private sealed class FileState
    {
        public long Offset { get; set; }

        public bool FromBacklog { get; set; }

        public bool Pending { get; set; }
    }

    [LoggerMessage(EventId = 801, Level = LogLevel.Warning, Message = "Log file {Path} could not be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);
}
