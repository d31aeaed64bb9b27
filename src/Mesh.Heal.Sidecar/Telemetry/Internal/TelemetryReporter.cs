using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Sidecar.PolicySync;
using Mesh.Heal.Sidecar.PolicySync.Internal;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.Sidecar.Telemetry.Internal;

/// <summary>Sends a report every <see cref="SidecarOptions.TelemetryInterval"/> on one client stream to the control plane.</summary>
/// <remarks>
/// Counts are deltas since the previous report; while the stream is down no report is built, so the first report after
/// a reconnect carries the whole gap (only the one report whose write failed is lost). Reconnects move over the control
/// plane's addresses like the policy stream's (<see cref="StreamReconnect"/>), each stream on its own; the backoff starts
/// over once a report has been written.
/// </remarks>
internal sealed partial class TelemetryReporter(
    ControlPlaneConnection connection, TelemetryReportBuilder builder, StreamReconnect reconnect, ControlPlaneStatus status, IOptions<SidecarOptions> options,
    TimeProvider time, ILogger<TelemetryReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!connection.Configured)
        {
            return;
        }

        await reconnect.RunAsync(
            connection.Addresses, RunStreamAsync,
            (failure, next, delay) => LogReconnecting(logger, failure.Message, connection.Url(next), delay.TotalMilliseconds), stoppingToken);
    }

    /// <summary>One stream: a report each interval until it fails; accepted once a report has been written.</summary>
    private async Task RunStreamAsync(int address, Action onAccepted, CancellationToken stoppingToken)
    {
        var interval = options.Value.TelemetryInterval;
        using var call = connection.TelemetryClient(address).Report(connection.Headers, cancellationToken: stoppingToken);
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
            if (first)
            {
                status.OnTelemetryAccepted(connection.Url(address));
            }

            first = false;
            onAccepted();
        }
    }

    [LoggerMessage(EventId = 160, Level = LogLevel.Debug, Message = "Telemetry stream down ({Reason}); reconnecting to {Address} in {DelayMs:0} ms")]
    private static partial void LogReconnecting(ILogger logger, string reason, string address, double delayMs);
}
