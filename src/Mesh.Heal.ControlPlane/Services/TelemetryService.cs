using Grpc.Core;
using Mesh.Heal.ControlPlane.Auth;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.ControlPlane.Telemetry.Internal;
using Microsoft.Extensions.Options;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Services;

/// <summary>The sidecars' telemetry streams: each report checked, rate-limited per stream, and summed into rollups.</summary>
/// <remarks>
/// A malformed or excess report is counted (<c>meshheal_controlplane_rejected_total</c>) and dropped; the stream goes on.
/// The credential must be the service's own (else PermissionDenied), and a report is trusted, so summed and seen by the
/// agents, only while its instance has a live policy stream opened with the same credential: made-up instances of a
/// service cannot steer healing. A stream waits up to <see cref="TrustGrace"/> at its start for that policy stream, as a
/// sidecar opens both at once; later untrusted reports are counted (kind <c>telemetry_untrusted</c>) and dropped.
/// </remarks>
internal sealed partial class TelemetryService(
    TelemetryAggregator aggregator, PolicyDistributor distributor, ControlPlaneMetrics metrics, TimeProvider time, IOptions<LimitOptions> options,
    IHostApplicationLifetime lifetime, ILogger<TelemetryService> logger)
    : Wire.Telemetry.TelemetryBase
{
    /// <summary>How long a new telemetry stream waits for its instance's policy stream before its reports count as untrusted.</summary>
    public static readonly TimeSpan TrustGrace = TimeSpan.FromSeconds(3);

    public override async Task<Wire.ReportSummary> Report(IAsyncStreamReader<Wire.SidecarReport> requestStream, ServerCallContext context)
    {
        var limits = options.Value;
        var reportLimits = TelemetryLimits.From(limits);
        var bucket = new TokenBucket(limits.MaxReportsPerSecond, limits.MaxReportsPerSecond * 2, time);
        var summary = new Wire.ReportSummary();
        Wire.SidecarIdentity? identity = null;
        var caller = AuthInterceptor.CallerOf(context);
        var opened = time.GetUtcNow();
        var untrustedLogged = false;
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

                    if (caller.ClaimError(report.Identity!.Service, report.Identity.Instance) is { } denied)
                    {
                        metrics.Rejected("telemetry_claim");
                        throw new RpcException(new Status(StatusCode.PermissionDenied, denied));
                    }

                    identity = report.Identity;
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

                if (!distributor.IsLive(identity.Service, identity.Instance, caller.Credential)
                    && !await WaitForPolicyStreamAsync(identity, caller.Credential, opened, call.Token))
                {
                    summary.Rejected++;
                    metrics.Rejected("telemetry_untrusted");
                    if (!untrustedLogged)
                    {
                        untrustedLogged = true;
                        LogUntrusted(logger, identity.Service, identity.Instance, caller.Actor);
                    }

                    continue;
                }

                if (!aggregator.Add(identity.Service, identity.Instance, report))
                {
                    summary.Rejected++;
                    metrics.Rejected("telemetry_instances_full");
                    continue;
                }

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

    private async Task<bool> WaitForPolicyStreamAsync(Wire.SidecarIdentity identity, string credential, DateTimeOffset opened, CancellationToken cancel)
    {
        while (time.GetUtcNow() - opened < TrustGrace)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancel);
            if (distributor.IsLive(identity.Service, identity.Instance, credential))
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 221, Level = LogLevel.Warning, Message = "Telemetry of {Service}/{Instance} from {Actor} is not trusted: the instance has no live policy stream with the same credential")]
    private static partial void LogUntrusted(ILogger logger, string service, string instance, string actor);

    [LoggerMessage(EventId = 220, Level = LogLevel.Debug, Message = "Dropped a malformed report from {Service}/{Instance}: {Reason}")]
    private static partial void LogMalformed(ILogger logger, string service, string instance, string reason);
}
