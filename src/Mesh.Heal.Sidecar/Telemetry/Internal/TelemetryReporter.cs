using Grpc.Core;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Sidecar.PolicySync.Internal;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.Sidecar.Telemetry.Internal;

/// <summary>Sends a report every <see cref="SidecarOptions.TelemetryInterval"/> on one client stream to the control plane.</summary>
/// <remarks>
/// Counts are deltas since the previous report; while the stream is down no report is built, so the first report after
/// a reconnect carries the whole gap (only the one report whose write failed is lost). Reconnects follow the same
/// backoff as the policy stream.
/// </remarks>
internal sealed partial class TelemetryReporter(
    ControlPlaneConnection connection, TelemetryReportBuilder builder, ReconnectBackoff backoff, IOptions<SidecarOptions> options, TimeProvider time,
    ILogger<TelemetryReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!connection.Configured)
        {
            return;
        }

        var interval = options.Value.TelemetryInterval;
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var call = connection.TelemetryClient.Report(connection.Headers, cancellationToken: stoppingToken);
                using var timer = new PeriodicTimer(interval, time);
                var first = true;
                while (await timer.WaitForNextTickAsync(stoppingToken))
                {
                    var report = builder.Build(time.GetUtcNow(), interval);
                    if (first)
                    {
                        report.Identity = connection.Identity;
                    }

                    report.SidecarResources = ProcessSampler.Sample(Environment.ProcessId, self: true);
                    if (options.Value.ServicePid is { } pid)
                    {
                        report.ServiceResources = ProcessSampler.Sample(pid, self: false);
                    }

                    await call.RequestStream.WriteAsync(report, stoppingToken);
                    first = false;
                    attempt = 0;
                }
            }
            catch (Exception ex) when (stoppingToken.IsCancellationRequested && ex is OperationCanceledException or RpcException)
            {
                break;
            }
            catch (Exception ex) when (ex is RpcException or IOException or HttpRequestException or InvalidOperationException)
            {
                var delay = backoff.Delay(attempt++);
                LogReconnecting(logger, ex.Message, delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    [LoggerMessage(EventId = 160, Level = LogLevel.Debug, Message = "Telemetry stream down ({Reason}); reconnecting in {DelayMs:0} ms")]
    private static partial void LogReconnecting(ILogger logger, string reason, double delayMs);
}
