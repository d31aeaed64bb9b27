using Grpc.Core;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.ControlPlane.Telemetry.Internal;
using Microsoft.Extensions.Options;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Services;

/// <summary>The sidecars' telemetry streams: each report checked, rate-limited per stream, and summed into rollups.</summary>
/// <remarks>A malformed or excess report is counted (<c>meshheal_controlplane_rejected_total</c>) and dropped; the stream goes on.</remarks>
internal sealed partial class TelemetryService(
    TelemetryAggregator aggregator, ControlPlaneMetrics metrics, TimeProvider time, IOptions<ControlPlaneOptions> options,
    IHostApplicationLifetime lifetime, ILogger<TelemetryService> logger)
    : Wire.Telemetry.TelemetryBase
{
    public override async Task<Wire.ReportSummary> Report(IAsyncStreamReader<Wire.SidecarReport> requestStream, ServerCallContext context)
    {
        var limits = options.Value.Limits;
        var reportLimits = TelemetryLimits.From(limits);
        var bucket = new TokenBucket(limits.MaxReportsPerSecond, limits.MaxReportsPerSecond * 2, time);
        var summary = new Wire.ReportSummary();
        Wire.SidecarIdentity? identity = null;
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        metrics.TelemetryStream(+1);
        try
        {
            await foreach (var report in requestStream.ReadAllAsync(call.Token))
            {
                if (identity is null)
                {
                    if (TelemetryValidator.IdentityError(report.Identity) is { } error)
                    {
                        metrics.Rejected("telemetry_identity");
                        throw new RpcException(new Status(StatusCode.InvalidArgument, "the first report must name the sidecar: " + error));
                    }

                    identity = report.Identity!;
                }

                if (!bucket.TryTake())
                {
                    summary.Rejected++;
                    metrics.Rejected("telemetry_rate_limited");
                    continue;
                }

                var validation = TelemetryValidator.Validate(report, reportLimits, time.GetUtcNow());
                if (!validation.IsValid)
                {
                    summary.Rejected++;
                    metrics.Rejected("telemetry_malformed", validation.Reason);
                    LogMalformed(logger, identity.Service, identity.Instance, string.Join("; ", validation.Errors));
                    continue;
                }

                aggregator.Add(identity.Service, identity.Instance, report);
                summary.Accepted++;
                metrics.ReportAccepted();
            }
        }
        catch (Exception ex) when ((ex is IOException or OperationCanceledException) && call.IsCancellationRequested)
        {
            // The sidecar went away, or the host is stopping.
        }
        finally
        {
            metrics.TelemetryStream(-1);
        }

        return summary;
    }

    [LoggerMessage(EventId = 220, Level = LogLevel.Debug, Message = "Dropped a malformed report from {Service}/{Instance}: {Reason}")]
    private static partial void LogMalformed(ILogger logger, string service, string instance, string reason);
}
