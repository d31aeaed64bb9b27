using Mesh.Heal.Agents.Logs;
using Mesh.Heal.ControlPlane.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Logs;

/// <summary>Holds one <see cref="LogAnalyzer"/> per service and feeds it every line that arrives, from any source, through
/// a <see cref="LogRecordReader"/> per source (a file, a pod, a pushing instance), so the lines of one record are joined
/// wherever they come from.</summary>
/// <remarks>
/// Errors are bucketed by the time they arrive, not by the time they carry: a replica's clock does not move a burst, and a
/// backlog read at start-up counts as now. A line longer than <see cref="LogOptions.MaxLineBytes"/> is dropped and
/// counted as malformed. Thread-safe: sources call it from their own loops.
/// </remarks>
internal sealed class LogCollector(IOptions<LogOptions> options, ControlPlaneMetrics metrics, TimeProvider time)
{
    private readonly Dictionary<string, LogAnalyzer> _analyzers = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Service, string Source), LogRecordReader> _readers = [];
    private readonly Lock _lock = new();

    /// <summary>The prefix of the source of pushed logs (<c>push:instance</c>).</summary>
    public const string PushSource = "push:";

    private LogOptions Options => options.Value;

    /// <summary>Whether logs of <paramref name="service"/> are taken: it has logs already, is configured, or there is room
    /// under <see cref="LogOptions.MaxServices"/>. Every name held costs an analyzer, so names from input are bounded.</summary>
    public bool Admits(string service)
    {
        lock (_lock)
        {
            return AdmitsLocked(service);
        }
    }

    /// <summary>Adds <paramref name="lines"/> as <see cref="Add"/> does when <paramref name="service"/> is admitted (see
    /// <see cref="Admits"/>), deciding and adding under one lock, so that concurrent batches of new names cannot go past
    /// <see cref="LogOptions.MaxServices"/> together; null when it is not admitted.</summary>
    public (int Records, int Malformed)? AddIfAdmitted(string service, string instance, string source, IEnumerable<string> lines, bool complete) =>
        AddCore(service, instance, source, lines, complete, bounded: true);

    /// <summary>Adds <paramref name="lines"/> of <paramref name="service"/> from <paramref name="source"/> (logged by
    /// <paramref name="instance"/>); with <paramref name="complete"/> the last record is taken as finished.</summary>
    /// <remarks>A complete batch of a pushed source keeps no reader behind it (nothing of it is pending), so forged
    /// instance names hold no memory.</remarks>
    /// <returns>Records completed and lines dropped as malformed.</returns>
    public (int Records, int Malformed) Add(string service, string instance, string source, IEnumerable<string> lines, bool complete) =>
        AddCore(service, instance, source, lines, complete, bounded: false)!.Value;

    private (int Records, int Malformed)? AddCore(string service, string instance, string source, IEnumerable<string> lines, bool complete, bool bounded)
    {
        var now = time.GetUtcNow();
        var records = 0;
        var malformed = 0;
        lock (_lock)
        {
            if (bounded && !AdmitsLocked(service))
            {
                return null;
            }

            var analyzer = Analyzer(service);
            var pushed = complete && source.StartsWith(PushSource, StringComparison.Ordinal);
            if (!_readers.TryGetValue((service, source), out var reader))
            {
                reader = new LogRecordReader();
                if (!pushed)
                {
                    _readers[(service, source)] = reader;
                }
            }

            var before = reader.Malformed;
            long read = 0;
            foreach (var line in lines)
            {
                read++;
                if (line.Length > Options.MaxLineBytes)
                {
                    malformed++;
                    continue;
                }

                foreach (var record in reader.Add(line))
                {
                    analyzer.Add(record, now, instance);
                    records++;
                }
            }

            if (complete)
            {
                foreach (var record in reader.Flush())
                {
                    analyzer.Add(record, now, instance);
                    records++;
                }
            }

            malformed += (int)(reader.Malformed - before);
            analyzer.Count(read, malformed);
        }

        metrics.LogLines(service, records, malformed);
        return (records, malformed);
    }

    /// <summary>Counts <paramref name="lines"/> of <paramref name="service"/> dropped before they reached a reader (too long to hold).</summary>
    public void Dropped(string service, int lines)
    {
        lock (_lock)
        {
            Analyzer(service).Count(lines, lines);
        }

        metrics.LogLines(service, 0, lines);
    }

    /// <summary>Completes the record a source has in progress (its file or pod went quiet).</summary>
    public void Flush(string service, string instance, string source) => Add(service, instance, source, [], complete: true);

    /// <summary>The services whose logs arrived.</summary>
    public IReadOnlyList<string> Services
    {
        get
        {
            lock (_lock)
            {
                return [.. _analyzers.Keys];
            }
        }
    }

    /// <summary>What every service's logs say now.</summary>
    public IReadOnlyList<LogDigest> Digests()
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            return _analyzers.Select(a => a.Value.Digest(a.Key, now)).ToList();
        }
    }

    private bool AdmitsLocked(string service) =>
        _analyzers.ContainsKey(service) || Options.Services.ContainsKey(service) || _analyzers.Count < Options.MaxServices;

    private LogAnalyzer Analyzer(string service)
    {
        if (!_analyzers.TryGetValue(service, out var analyzer))
        {
            _analyzers[service] = analyzer = new LogAnalyzer(Options.Analyzer);
        }

        return analyzer;
    }
}
