using System.Collections.Concurrent;
using System.Data.Common;
using Google.Protobuf;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Replication;

/// <summary>Brings the telemetry every replica accepts to the leader, whose coordinator judges the whole mesh: through the store's
/// <c>telemetry_inbox</c> (PostgreSQL; with SQLite there is one replica and nothing to forward).</summary>
/// <remarks>
/// Every replica appends the reports it accepted, every <see cref="Interval"/> in multi-row inserts. The leader reads the rows of
/// the other replicas in id order into its <see cref="TelemetryAggregator"/> as forwarded reports (live state, recent window and
/// events, not the rollups, which the receiving replica flushes itself). On becoming leader it replays the last
/// <see cref="TelemetryAggregator.RecentRetention"/>, so its view is whole at once; it prunes rows older than that. An id skipped while
/// reading (a transaction that took its id earlier but committed later) is looked for again for a few seconds. A row that cannot be
/// read is counted (<c>meshheal_controlplane_rejected_total{kind="telemetry-inbox"}</c>) and dropped.
/// </remarks>
internal sealed partial class TelemetryInbox : BackgroundService
{
    /// <summary>How often reports are appended and the leader reads.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private const int PageSize = 2000;
    private const int MaxPending = 100_000;
    private const int MaxGaps = 2000;
    private static readonly TimeSpan GapPatience = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);

    private readonly MeshStore _store;
    private readonly TelemetryAggregator _aggregator;
    private readonly LeaderElection _leadership;
    private readonly ControlPlaneMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<TelemetryInbox> _logger;
    private readonly ConcurrentQueue<InboxReport> _pending = new();
    private readonly Dictionary<long, DateTimeOffset> _gaps = [];
    private readonly Lock _readLock = new();
    private int _pendingCount;
    private long _cursor;
    private long _readingEpoch;
    private DateTimeOffset _prunedAt;
    private bool _failing;

    public TelemetryInbox(
        MeshStore store, TelemetryAggregator aggregator, LeaderElection leadership, ControlPlaneMetrics metrics, TimeProvider time, ILogger<TelemetryInbox> logger)
    {
        _store = store;
        _aggregator = aggregator;
        _leadership = leadership;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _prunedAt = time.GetUtcNow();
        if (Enabled)
        {
            aggregator.Accepted += OnAccepted;
        }
    }

    /// <summary>Whether reports are forwarded: the store is shared by several replicas (PostgreSQL).</summary>
    public bool Enabled => _store.Provider == StoreProvider.Postgres;

    /// <summary>How many rows could not be read and were dropped.</summary>
    public long Malformed { get; private set; }

    /// <summary>How many forwarded reports the leader took in.</summary>
    public long Forwarded { get; private set; }

    /// <summary>Appends the reports accepted since the last flush.</summary>
    public void Flush()
    {
        var batch = new List<InboxReport>();
        while (_pending.TryDequeue(out var report))
        {
            batch.Add(report);
        }

        Interlocked.Add(ref _pendingCount, -batch.Count);
        if (batch.Count > 0)
        {
            _store.AppendInbox(batch);
        }
    }

    /// <summary>When this replica leads: reads the other replicas' new rows into the aggregator (after a replay of the recent
    /// retention when the term is new), and prunes old rows now and then.</summary>
    public void Read()
    {
        if (_leadership.Current is not { } term)
        {
            return;
        }

        lock (_readLock)
        {
            var now = _time.GetUtcNow();
            if (_readingEpoch != term.Epoch)
            {
                _cursor = _store.InboxStart(now - TelemetryAggregator.RecentRetention);
                _gaps.Clear();
                _readingEpoch = term.Epoch;
            }

            if (_gaps.Count > 0)
            {
                foreach (var row in _store.InboxRows([.. _gaps.Keys]))
                {
                    _gaps.Remove(row.Id);
                    Take(row);
                }

                foreach (var (id, since) in _gaps.ToList())
                {
                    if (now - since > GapPatience)
                    {
                        _gaps.Remove(id);
                    }
                }
            }

            IReadOnlyList<InboxRow> page;
            do
            {
                page = _store.InboxAfter(_cursor, PageSize);
                foreach (var row in page)
                {
                    for (var missing = _cursor + 1; missing < row.Id && _gaps.Count < MaxGaps; missing++)
                    {
                        _gaps[missing] = now;
                    }

                    _cursor = row.Id;
                    Take(row);
                }
            }
            while (page.Count == PageSize);

            if (now - _prunedAt >= PruneEvery)
            {
                _prunedAt = now;
                _store.PruneInbox(now - TelemetryAggregator.RecentRetention - PruneEvery);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (Enabled)
        {
            try
            {
                Flush();
            }
            catch (DbException ex)
            {
                LogFailed(_logger, ex.Message);
            }
        }
    }

    public override void Dispose()
    {
        _aggregator.Accepted -= OnAccepted;
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await Task.Run(Step, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Step()
    {
        try
        {
            Flush();
            Read();
            if (_failing)
            {
                _failing = false;
                LogRecovered(_logger);
            }
        }
        catch (DbException ex)
        {
            // Four steps a second: an outage is logged once, not at every step.
            if (!_failing)
            {
                _failing = true;
                LogFailed(_logger, ex.Message);
            }
        }
    }

    private void Take(InboxRow row)
    {
        if (row.Replica == _leadership.ReplicaId)
        {
            return;
        }

        Wire.SidecarReport report;
        try
        {
            report = Wire.SidecarReport.Parser.ParseFrom(row.Report);
        }
        catch (InvalidProtocolBufferException)
        {
            Malformed++;
            _metrics.Rejected("telemetry-inbox");
            return;
        }

        if (row.Service.Length == 0 || row.Instance.Length == 0)
        {
            Malformed++;
            _metrics.Rejected("telemetry-inbox");
            return;
        }

        if (_aggregator.AddForwarded(row.Service, row.Instance, row.ReceivedAt, report))
        {
            Forwarded++;
        }
    }

    private void OnAccepted(string service, string instance, DateTimeOffset at, Wire.SidecarReport report)
    {
        if (Interlocked.Increment(ref _pendingCount) > MaxPending)
        {
            // The store has been unreachable for a while: the newest reports are dropped rather than memory growing without bound.
            Interlocked.Decrement(ref _pendingCount);
            _metrics.Rejected("telemetry-inbox-full");
            return;
        }

        _pending.Enqueue(new InboxReport(service, instance, at, report.ToByteArray()));
    }

    [LoggerMessage(EventId = 910, Level = LogLevel.Warning, Message = "Telemetry inbox: the store failed, reports of this replica are dropped until it is back (the leader misses them): {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 911, Level = LogLevel.Information, Message = "Telemetry inbox: the store is back")]
    private static partial void LogRecovered(ILogger logger);
}
