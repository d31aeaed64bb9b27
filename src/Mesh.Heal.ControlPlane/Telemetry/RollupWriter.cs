using Mesh.Heal.ControlPlane.Store;

namespace Mesh.Heal.ControlPlane.Telemetry;

/// <summary>Flushes the aggregator's buckets to the store every second, and prunes buckets past their retention every minute.</summary>
internal sealed partial class RollupWriter(TelemetryAggregator aggregator, MeshStore store, TimeProvider time, ILogger<RollupWriter> logger)
    : BackgroundService
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
    private const int FlushesPerPrune = 60;

    /// <summary>Writes what is pending now.</summary>
    public void Flush()
    {
        var (rollups, resources) = aggregator.Drain();
        store.AddRollups(rollups, resources);
    }

    /// <summary>Deletes what is past retention now.</summary>
    public int Prune() => store.PruneRollups(time.GetUtcNow(), TelemetryAggregator.Resolutions);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            Flush();
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or ObjectDisposedException)
        {
            // A database that is down at shutdown must not turn a clean stop into a crash.
            LogFlushFailed(logger, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        var ticks = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    Flush();
                    if (++ticks % FlushesPerPrune == 0)
                    {
                        Prune();
                    }
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
                {
                    LogFlushFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "Writing telemetry rollups failed; the buckets of this flush are dropped")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
