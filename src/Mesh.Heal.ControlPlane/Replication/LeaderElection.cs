using System.Data.Common;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Store;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Replication;

/// <summary>Elects the one replica that runs the coordinator and agents: it holds the <c>coordinator</c> lease in the store, renewed
/// every <see cref="HaOptions.RenewInterval"/>; and records each replica's heartbeat.</summary>
/// <remarks>
/// Every tick a replica heartbeats, then takes or renews the lease with one conditional upsert (taken when free, expired or its own;
/// the epoch goes up on every change of hold). The leader ticks every <see cref="HaOptions.RenewInterval"/>; a follower ticks at that
/// interval too, but sooner when the store says the holder's lease expires before it, so it tries again right when the lease expires
/// (plus a small margin) rather than at its next whole interval. A leader that has not renewed by the time its lease would expire, counted on its own
/// clock from when its last successful renewal was sent, stops leading at once, without waiting for the store to answer: the term's
/// <see cref="LeaderTerm.Lost"/> is cancelled and the coordinator stops. On a graceful stop the leader releases the lease, so another
/// replica takes it at its next tick. The leader also marks disconnected the sidecars of replicas whose heartbeat is older than three
/// lease durations. With SQLite there is one process and it leads from its first tick.
/// </remarks>
internal sealed partial class LeaderElection : BackgroundService
{
    /// <summary>The lease's name in the store.</summary>
    public const string LeaseName = "coordinator";

    // A replica silent this long is forgotten (its row deleted) once none of its sidecars is connected.
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromHours(1);

    // A follower tries this long after the holder's lease expires by the store's clock, so the attempt is not refused for being a
    // hair early (the store's clock and this replica's may tick apart by a few milliseconds).
    internal static readonly TimeSpan ExpiryMargin = TimeSpan.FromMilliseconds(20);

    private readonly MeshStore _store;
    private readonly HaOptions _options;
    private readonly TimeProvider _time;
    private readonly ControlPlaneEndpoints? _endpoints;
    private readonly ILogger<LeaderElection> _logger;
    private readonly Lock _lock = new();
    private TaskCompletionSource<LeaderTerm> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LeaderTerm? _current;
    private ITimer? _expiry;
    private long _runTerm;
    private TimeSpan _firstWait;
    private long _nextTickAt; // UTC ticks; 0 before the loop scheduled a tick

    public LeaderElection(MeshStore store, IOptions<HaOptions> options, TimeProvider time, ILogger<LeaderElection> logger, ControlPlaneEndpoints? endpoints = null)
    {
        _store = store;
        _options = options.Value;
        _time = time;
        _endpoints = endpoints;
        _logger = logger;
    }

    /// <summary>This replica's id, <c>ControlPlane:Store:ReplicaId</c>.</summary>
    public string ReplicaId => _store.ReplicaId;

    /// <summary>The term this replica leads in now, or null when it does not lead.</summary>
    public LeaderTerm? Current
    {
        get
        {
            lock (_lock)
            {
                return _current is { IsLost: false } term ? term : null;
            }
        }
    }

    /// <summary>When the loop runs its next tick on this replica's clock; null before the loop has scheduled one.</summary>
    internal DateTimeOffset? NextTickAt => Interlocked.Read(ref _nextTickAt) is > 0 and var at ? new DateTimeOffset(at, TimeSpan.Zero) : null;

    /// <summary>Raised when this replica becomes leader, with its term.</summary>
    public event Action<LeaderTerm>? Elected;

    /// <summary>Completes with the term as soon as this replica leads (at once when it does now).</summary>
    public Task<LeaderTerm> WaitForTermAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _current is { IsLost: false } term ? Task.FromResult(term) : _next.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Heartbeats, then takes or renews the lease; one tick of the loop (tests call it on a fake clock).</summary>
    /// <returns>How long to wait before the next tick: what is left of <see cref="HaOptions.RenewInterval"/> since this tick started, or
    /// for a follower, less when the holder's lease expires sooner (then its time left plus <see cref="ExpiryMargin"/>).</returns>
    public TimeSpan Tick()
    {
        var startedAt = _time.GetUtcNow();
        // The election's own writes are never fenced, whatever term the caller acts under.
        using var unfenced = Fence.Enter(null);
        try
        {
            _store.Heartbeat(ReplicaId, Url(e => e.GrpcUri), Url(e => e.HttpUri));
        }
        catch (DbException ex)
        {
            LogStoreFailed(_logger, "heartbeat", ex.Message);
        }

        var sentAt = _time.GetUtcNow();
        long? epoch;
        TimeSpan othersLeft;
        try
        {
            epoch = _store.TryAcquireLease(LeaseName, ReplicaId, _options.LeaseDuration, out othersLeft);
        }
        catch (DbException ex)
        {
            // The expiry timer ends the term if no renewal lands in time.
            LogStoreFailed(_logger, "renewing the coordinator lease", ex.Message);
            return WaitUntil(startedAt + _options.RenewInterval);
        }

        if (epoch is not { } held)
        {
            Lose("another replica holds the lease");
            // Counted from when the answer arrived, which is no earlier than the store read the time left, so the attempt is never early.
            var expiresAt = _time.GetUtcNow() + othersLeft + ExpiryMargin;
            var renewAt = startedAt + _options.RenewInterval;
            return WaitUntil(expiresAt < renewAt ? expiresAt : renewAt);
        }

        var validUntil = sentAt + _options.LeaseDuration;
        LeaderTerm? elected = null;
        lock (_lock)
        {
            if (_current is { IsLost: false } current && current.Epoch == held)
            {
                current.Extend(validUntil);
            }
            else
            {
                Lose_NeedsLock("the lease was taken again with a new epoch");
                _current = elected = new LeaderTerm(ReplicaId, held, validUntil, _time, _options.RenewInterval);
                _next.TrySetResult(elected);
            }

            _expiry?.Dispose();
            // A renewal slower than the lease leaves nothing of it on this replica's clock: the timer fires at once.
            var left = validUntil - _time.GetUtcNow();
            _expiry = _time.CreateTimer(static s => ((LeaderElection)s!).OnExpiry(), this, left > TimeSpan.Zero ? left : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }

        if (elected is not null)
        {
            LogElected(_logger, ReplicaId, held);
            Elected?.Invoke(elected);
        }

        try
        {
            var marked = _store.DisconnectStaleReplicas(ReplicaId, _options.LeaseDuration * 3, ForgetAfter);
            if (marked > 0)
            {
                LogStaleSidecars(_logger, marked);
            }
        }
        catch (DbException ex)
        {
            LogStoreFailed(_logger, "marking the sidecars of dead replicas", ex.Message);
        }

        return WaitUntil(startedAt + _options.RenewInterval);
    }

    /// <summary>Records a completed coordinator run of <paramref name="term"/> (<c>replicas.last_run_at</c>); the first of a term is logged with the
    /// time since election.</summary>
    public void RunCompleted(LeaderTerm term)
    {
        if (Interlocked.Exchange(ref _runTerm, term.Epoch) != term.Epoch)
        {
            LogFirstRun(_logger, ReplicaId, term.Epoch, (long)(_time.GetUtcNow() - term.ElectedAt).TotalMilliseconds);
        }

        using var unfenced = Fence.Enter(null);
        try
        {
            _store.RecordCoordinatorRun(ReplicaId);
        }
        catch (DbException ex)
        {
            LogStoreFailed(_logger, "recording the coordinator run", ex.Message);
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The first tick before the other services start, so a single replica runs its coordinator and loads its policy directory at once.
        _firstWait = Tick();
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        LeaderTerm? released;
        lock (_lock)
        {
            released = _current is { IsLost: false } term ? term : null;
            Lose_NeedsLock("the replica is stopping");
            _expiry?.Dispose();
        }

        if (released is not null)
        {
            try
            {
                _store.ReleaseLease(LeaseName, ReplicaId, released.Epoch);
            }
            catch (DbException ex)
            {
                LogStoreFailed(_logger, "releasing the coordinator lease", ex.Message);
            }
        }
    }

    public override void Dispose()
    {
        _expiry?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wait = _firstWait;
        try
        {
            while (true)
            {
                var delay = Task.Delay(wait, _time, stoppingToken);
                Interlocked.Exchange(ref _nextTickAt, (_time.GetUtcNow() + wait).UtcTicks);
                await delay;
                var startedAt = _time.GetUtcNow();
                // The store calls are synchronous; off the timer's thread, so a hung connection never holds up the expiry timer.
                try
                {
                    wait = await Task.Run(Tick, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogStoreFailed(_logger, "the election tick", ex.Message);
                    wait = WaitUntil(startedAt + _options.RenewInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private TimeSpan WaitUntil(DateTimeOffset at)
    {
        var wait = at - _time.GetUtcNow();
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    private void OnExpiry()
    {
        lock (_lock)
        {
            if (_current is { IsLost: false } term && _time.GetUtcNow() >= term.ValidUntil)
            {
                LogNotRenewed(_logger, ReplicaId, term.Epoch);
                Lose_NeedsLock("the lease was not renewed before it expired");
            }
        }
    }

    private void Lose(string why)
    {
        lock (_lock)
        {
            Lose_NeedsLock(why);
        }
    }

    private void Lose_NeedsLock(string why)
    {
        if (_current is not { } term)
        {
            return;
        }

        _current = null;
        if (term.End())
        {
            LogLost(_logger, ReplicaId, term.Epoch);
            LogLostWhy(_logger, term.Epoch, why);
        }

        if (_next.Task.IsCompleted)
        {
            _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private string Url(Func<ControlPlaneEndpoints, Uri> read)
    {
        try
        {
            // Port 0 until the listeners are bound (the first tick runs before): the next heartbeat has the real one.
            return _endpoints is null || read(_endpoints) is not { Port: > 0 } uri ? string.Empty : uri.ToString();
        }
        catch (InvalidOperationException)
        {
            // Not listening yet: the next heartbeat has it.
            return string.Empty;
        }
    }

    // The chaos tests and the failover benchmark read these two lines from the process output.
    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "Leader elected: replica {Replica} epoch {Epoch}")]
    private static partial void LogElected(ILogger logger, string replica, long epoch);

    [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "Leadership lost: replica {Replica} epoch {Epoch}")]
    private static partial void LogLost(ILogger logger, string replica, long epoch);

    [LoggerMessage(EventId = 902, Level = LogLevel.Information, Message = "Term {Epoch} ended: {Reason}")]
    private static partial void LogLostWhy(ILogger logger, long epoch, string reason);

    [LoggerMessage(EventId = 903, Level = LogLevel.Warning, Message = "Replica {Replica} did not renew the coordinator lease of epoch {Epoch} before it expired: stepping down")]
    private static partial void LogNotRenewed(ILogger logger, string replica, long epoch);

    [LoggerMessage(EventId = 904, Level = LogLevel.Warning, Message = "Store unavailable for {What}: {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, string what, string reason);

    [LoggerMessage(EventId = 905, Level = LogLevel.Information, Message = "First coordinator run as leader: replica {Replica} epoch {Epoch}, {Elapsed} ms after election")]
    private static partial void LogFirstRun(ILogger logger, string replica, long epoch, long elapsed);

    [LoggerMessage(EventId = 906, Level = LogLevel.Information, Message = "{Count} sidecars of replicas that stopped heartbeating marked disconnected")]
    private static partial void LogStaleSidecars(ILogger logger, int count);
}
