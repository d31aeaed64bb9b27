using System.Text;

namespace Mesh.Heal.Agents.Logs;

/// <summary>The online analysis of one service's logs: every record's message mined into a template, every error put in
/// a cluster (its exception type and the first frame of the service's own code, or its template), and every cluster's
/// counts kept in time buckets so its burst over the baseline can be told.</summary>
/// <remarks>Not thread-safe: the control plane holds one per service under a lock; <c>meshctl analyze logs</c> one per file.</remarks>
public sealed class LogAnalyzer
{
    private readonly LogAnalyzerOptions _options;
    private readonly Dictionary<string, ClusterState> _clusters = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> _templateErrors = [];

    /// <summary>Creates an analyzer with <paramref name="options"/>, or the defaults.</summary>
    public LogAnalyzer(LogAnalyzerOptions? options = null)
    {
        _options = options ?? new LogAnalyzerOptions();
        if (_options.Bucket <= TimeSpan.Zero || _options.BurstWindow < _options.Bucket || _options.BaselineWindow < _options.Bucket)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Bucket must be positive and no longer than BurstWindow and BaselineWindow");
        }

        Miner = new TemplateMiner(_options.Miner);
    }

    /// <summary>The template miner.</summary>
    public TemplateMiner Miner { get; }

    /// <summary>Records added.</summary>
    public long Records { get; private set; }

    /// <summary>Error records added.</summary>
    public long Errors { get; private set; }

    /// <summary>Lines read by the readers that fed it, as they report them with <see cref="Count"/>.</summary>
    public long Lines { get; private set; }

    /// <summary>Lines dropped as malformed, as the readers and the ingest report them.</summary>
    public long Malformed { get; private set; }

    /// <summary>Adds what a reader read besides records: its lines and its malformed ones.</summary>
    public void Count(long lines, long malformed)
    {
        Lines += lines;
        Malformed += malformed;
    }

    /// <summary>Adds <paramref name="record"/>, logged by <paramref name="instance"/> at <paramref name="at"/>; returns its template
    /// and, for an error, its cluster's id.</summary>
    public (LogTemplate Template, string? Cluster) Add(LogRecord record, DateTimeOffset at, string instance = "")
    {
        Records++;
        var template = Miner.Add(record.Message);
        if (!record.IsError)
        {
            return (template, null);
        }

        Errors++;
        _templateErrors[template.Id] = _templateErrors.GetValueOrDefault(template.Id) + 1;
        var exception = StackTraceParser.Parse(record.Exception ?? (StackTraceParser.LooksLikeException(record.Message) ? record.Message : null));
        var key = Key(exception, template);
        if (!_clusters.TryGetValue(key, out var cluster))
        {
            if (_clusters.Count >= _options.MaximumClusters)
            {
                var stalest = _clusters.MinBy(c => c.Value.LastSeen);
                _clusters.Remove(stalest.Key);
            }

            _clusters[key] = cluster = new ClusterState(StableId(key), exception, template, record.Message, at, Buckets());
        }

        cluster.Add(record.Message, at, instance, _options.SampleMessages);
        return (template, cluster.Id);
    }

    /// <summary>What the logs say as of <paramref name="now"/>.</summary>
    public LogDigest Digest(string service, DateTimeOffset now, int templates = 20)
    {
        var burst = (int)Math.Max(1, _options.BurstWindow / _options.Bucket);
        var baseline = (int)Math.Max(1, _options.BaselineWindow / _options.Bucket);
        var clusters = _clusters.Values.Select(c =>
        {
            var recent = c.Counts.Sum(now, burst, 0);
            var before = c.Counts.Sum(now, baseline, burst);
            // A cluster younger than the baseline window is compared with the part of it that it lived through.
            var lived = Math.Clamp((int)Math.Ceiling((now - _options.BurstWindow - c.FirstSeen) / _options.Bucket), 0, baseline);
            var expected = lived == 0 ? 0 : (double)before / lived * burst;
            return new ErrorCluster(c.Id, c.Exception?.Language ?? "log", c.Exception?.Type ?? string.Empty, c.Message, c.Template.Text)
            {
                ExceptionMessage = c.Exception?.Message ?? string.Empty,
                Frames = c.Exception?.Frames ?? [],
                Chain = c.Exception?.Chain ?? [],
                Samples = [.. c.Samples],
                Count = c.Total,
                Recent = recent,
                Expected = Math.Round(expected, 3),
                Burst = Math.Round((recent + 1) / (expected + 1), 3),
                FirstSeen = c.FirstSeen,
                LastSeen = c.LastSeen,
                Instances = [.. c.Instances.Order(StringComparer.Ordinal)],
            };
        })
        .OrderByDescending(c => c.Burst).ThenByDescending(c => c.Recent).ThenByDescending(c => c.Count).ThenBy(c => c.Id, StringComparer.Ordinal)
        .ToList();
        var top = Miner.Templates.Where(t => t.Count > 0).OrderByDescending(t => t.Count).ThenBy(t => t.Id).Take(templates)
            .Select(t => new TemplateStats(t.Id, t.Text, t.Count, _templateErrors.GetValueOrDefault(t.Id)))
            .ToList();
        return new LogDigest(service, Lines, Records, Errors, Malformed) { TemplateCount = Miner.Templates.Count(t => t.Count > 0), Templates = top, Clusters = clusters };
    }

    private BucketCounts Buckets() =>
        new(_options.Bucket, (int)Math.Ceiling((_options.BurstWindow + _options.BaselineWindow) / _options.Bucket) + 1);

    // The same failure: the exception type and where in the service's own code it was thrown; without a frame, its template.
    private static string Key(ParsedException? exception, LogTemplate template)
    {
        if (exception is null)
        {
            return $"log|{template.Id}";
        }

        var frame = exception.Frames.FirstOrDefault(f => !f.IsFramework) ?? exception.Frames.FirstOrDefault();
        return frame is null
            ? $"{exception.Language}|{exception.Type}|{template.Id}"
            : $"{exception.Language}|{exception.Type}|{frame.Function}|{frame.File}";
    }

    // FNV-1a, 64 bits, as 12 hex digits: the same failure gets the same id in every replica and after a restart.
    internal static string StableId(string key)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)[..12];
    }

    private sealed class ClusterState(string id, ParsedException? exception, LogTemplate template, string message, DateTimeOffset firstSeen, BucketCounts counts)
    {
        public string Id => id;

        public ParsedException? Exception => exception;

        public LogTemplate Template => template;

        public string Message => message;

        public DateTimeOffset FirstSeen { get; } = firstSeen;

        public DateTimeOffset LastSeen { get; private set; } = firstSeen;

        public BucketCounts Counts => counts;

        public long Total { get; private set; }

        public List<string> Samples { get; } = [];

        public HashSet<string> Instances { get; } = new(StringComparer.Ordinal);

        public void Add(string text, DateTimeOffset at, string instance, int samples)
        {
            Total++;
            if (at > LastSeen)
            {
                LastSeen = at;
            }

            counts.Add(at);
            if (instance.Length > 0 && Instances.Count < 50)
            {
                Instances.Add(instance);
            }

            if (Samples.Count < samples && text != message && !Samples.Contains(text, StringComparer.Ordinal))
            {
                Samples.Add(text.Length > 500 ? text[..500] : text);
            }
        }
    }
}

/// <summary>Counts in fixed-width time buckets over a sliding span; counts older than the span are dropped.</summary>
internal sealed class BucketCounts(TimeSpan width, int buckets)
{
    private readonly long[] _counts = new long[buckets];
    private long _head = long.MinValue;

    public void Add(DateTimeOffset at)
    {
        var bucket = at.UtcTicks / width.Ticks;
        if (_head == long.MinValue)
        {
            _head = bucket;
        }

        if (bucket > _head)
        {
            for (var b = Math.Max(_head + 1, bucket - _counts.Length + 1); b <= bucket; b++)
            {
                _counts[b % _counts.Length] = 0;
            }

            _head = bucket;
        }
        else if (bucket <= _head - _counts.Length)
        {
            return;
        }

        _counts[bucket % _counts.Length]++;
    }

    // The sum of `count` buckets ending `skip` buckets before the one `now` falls in.
    public long Sum(DateTimeOffset now, int count, int skip)
    {
        if (_head == long.MinValue)
        {
            return 0;
        }

        var last = now.UtcTicks / width.Ticks - skip;
        long sum = 0;
        for (var b = last - count + 1; b <= last; b++)
        {
            if (b <= _head && b > _head - _counts.Length && b >= 0)
            {
                sum += _counts[b % _counts.Length];
            }
        }

        return sum;
    }
}
