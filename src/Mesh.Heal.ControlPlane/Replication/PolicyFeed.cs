using System.Data.Common;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Store;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Mesh.Heal.ControlPlane.Replication;

/// <summary>Brings policy versions written through other replicas into this replica's <see cref="PolicyService"/>, which pushes them to its
/// sidecars: PostgreSQL <c>LISTEN meshheal_policy</c> (the store's trigger notifies the service's name on every new version), with a
/// catch-up read of every service's newest version on each (re)connect and every <see cref="HaOptions.PollInterval"/>.</summary>
/// <remarks>
/// LISTEN is issued before the catch-up read, so a version written in between is seen by one or the other; a notification lost while
/// the connection was down is caught up at the reconnect. The connection reconnects with a backoff from 250 ms doubling up to 10 s.
/// While it is down, <see cref="PolicyService.FeedLive"/> is false and a stream that opens reads its snapshot from the store. With
/// SQLite there is one process and nothing to listen to.
/// </remarks>
internal sealed partial class PolicyFeed(
    MeshStore store, PolicyService policies, IOptions<HaOptions> options, TimeProvider time, ILogger<PolicyFeed> logger) : BackgroundService
{
    /// <summary>The channel the store's trigger notifies.</summary>
    public const string Channel = "meshheal_policy";

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    private long _notifications;

    /// <summary>How many notifications arrived.</summary>
    public long Notifications => Interlocked.Read(ref _notifications);

    /// <summary>Raised after each (re)connect's catch-up read (tests wait on it).</summary>
    public event Action? CaughtUp;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store.Provider != StoreProvider.Postgres || store.ConnectionString is not { Length: > 0 } connectionString)
        {
            return;
        }

        var backoff = FirstBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(connectionString, () => backoff = FirstBackoff, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DbException or IOException or TimeoutException or InvalidOperationException)
            {
                policies.FeedLive = false;
                LogDisconnected(logger, backoff.TotalMilliseconds, ex.Message);
            }

            try
            {
                await Task.Delay(backoff, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private async Task ListenAsync(string connectionString, Action connected, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 5 }.ToString());
        connection.Notification += (_, e) =>
        {
            Interlocked.Increment(ref _notifications);
            try
            {
                if (e.Payload.Length > 0)
                {
                    policies.Refresh(e.Payload);
                }
            }
            catch (DbException ex)
            {
                // The catch-up at the next poll or reconnect reads it again.
                LogRefreshFailed(logger, e.Payload, ex.Message);
            }
        };
        await connection.OpenAsync(cancellationToken);
        await using (var listen = new NpgsqlCommand("LISTEN " + Channel, connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken);
        }

        CatchUp();
        connected();
        LogListening(logger);
        var poll = options.Value.PollInterval;
        var caughtUpAt = time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            var waited = await connection.WaitAsync(poll, cancellationToken);
            if (!waited || time.GetUtcNow() - caughtUpAt >= poll)
            {
                // Every poll interval: check the connection is alive, and catch up in case a notification was lost.
                await using (var ping = new NpgsqlCommand("SELECT 1", connection))
                {
                    await ping.ExecuteScalarAsync(cancellationToken);
                }

                CatchUp();
                caughtUpAt = time.GetUtcNow();
            }
        }
    }

    private void CatchUp()
    {
        var moved = policies.RefreshAll();
        policies.FeedLive = true;
        if (moved > 0)
        {
            LogCaughtUp(logger, moved);
        }

        CaughtUp?.Invoke();
    }

    [LoggerMessage(EventId = 915, Level = LogLevel.Information, Message = "Policy change feed listening on " + Channel)]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(EventId = 916, Level = LogLevel.Warning, Message = "Policy change feed disconnected, reconnecting in {Backoff} ms: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, double backoff, string reason);

    [LoggerMessage(EventId = 918, Level = LogLevel.Warning, Message = "Policy change feed could not read the new version of {Service}: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string service, string reason);

    [LoggerMessage(EventId = 917, Level = LogLevel.Information, Message = "Policy change feed caught up {Count} services written while it was not listening")]
    private static partial void LogCaughtUp(ILogger logger, int count);
}
