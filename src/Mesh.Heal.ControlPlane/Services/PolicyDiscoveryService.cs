using Grpc.Core;
using Mesh.Heal.ControlPlane.Auth;
using Google.Protobuf.WellKnownTypes;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Identity;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Services;

/// <summary>The sidecars' policy streams: the newest snapshot on connect and after every change; ACKs and NACKs recorded;
/// certificate requests answered with a certificate for the stream's service.</summary>
/// <remarks>
/// A certificate answer is a snapshot with the certificate and no policy, its version the last one sent; it is not marked
/// sent, so it leaves the policy's nonce and ACK bookkeeping as they were (an answer naming it counts as stale). Writes to
/// the stream (policy pushes and certificates) take turns on one lock.
/// </remarks>
internal sealed partial class PolicyDiscoveryService(
    PolicyDistributor distributor, MeshStore store, PolicyAnswerWriter answers, CertificateAuthority authority, ControlPlaneMetrics metrics,
    IHostApplicationLifetime lifetime, ILogger<PolicyDiscoveryService> logger)
    : Wire.PolicyDiscovery.PolicyDiscoveryBase
{
    public override async Task Stream(
        IAsyncStreamReader<Wire.PolicyRequest> requestStream, IServerStreamWriter<Wire.PolicySnapshot> responseStream, ServerCallContext context)
    {
        // Streams end when the host stops, so a shutdown is not held up by sidecars that never hang up.
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var cancel = call.Token;
        if (!await requestStream.MoveNext(cancel))
        {
            return;
        }

        var first = requestStream.Current;
        var identity = first.Identity;
        if (TelemetryValidator.IdentityError(identity) is { } error)
        {
            metrics.Rejected("policy_stream_identity");
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }

        // The credential must be the service's own, and a live stream of the instance is not taken over by another credential:
        // otherwise a sidecar token could read any service's policy, or show a forged version and NACK for a real sidecar.
        var caller = AuthInterceptor.CallerOf(context);
        if (caller.ClaimError(identity.Service, identity.Instance) is { } denied)
        {
            metrics.Rejected("policy_stream_claim");
            LogDenied(logger, AuthInterceptor.Actor(context), identity.Service, identity.Instance, denied);
            throw new RpcException(new Status(StatusCode.PermissionDenied, denied));
        }

        if (distributor.Register(identity.Service, identity.Instance, caller.Credential, out var refusal, out var full) is not { } session)
        {
            metrics.Rejected(full ? "policy_stream_full" : "policy_stream_duplicate");
            LogDenied(logger, AuthInterceptor.Actor(context), identity.Service, identity.Instance, refusal!);
            throw new RpcException(new Status(full ? StatusCode.ResourceExhausted : StatusCode.AlreadyExists, refusal!));
        }

        store.SidecarConnected(identity.Service, identity.Instance, identity.Zone, identity.SidecarVersion, session.ConnectionId);
        metrics.PolicyStream(+1);
        LogConnected(logger, identity.Service, identity.Instance, requestStream.Current.Version);
        using var replaced = CancellationTokenSource.CreateLinkedTokenSource(cancel, session.Replaced);
        cancel = replaced.Token;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var writing = new SemaphoreSlim(1, 1);
        var actor = AuthInterceptor.Actor(context);
        Task writer = Task.CompletedTask;
        try
        {
            // Headers now tell the sidecar the stream is accepted, even before a policy exists for its service.
            await context.WriteResponseHeadersAsync([]);
            writer = WriteAsync(session, responseStream, writing, stop.Token);
            if (first.CertificateRequest is { } firstCsr)
            {
                await IssueAsync(session, firstCsr, actor, responseStream, writing, cancel);
            }

            while (await requestStream.MoveNext(cancel))
            {
                if (requestStream.Current.CertificateRequest is { } csr)
                {
                    await IssueAsync(session, csr, actor, responseStream, writing, cancel);
                    continue;
                }

                Answer(session, requestStream.Current);
            }
        }
        catch (Exception ex) when ((ex is IOException or OperationCanceledException) && cancel.IsCancellationRequested)
        {
            // The sidecar went away mid-read, or the host is stopping.
        }
        finally
        {
            await stop.CancelAsync();
            distributor.Unregister(session);
            await writer;
            store.SidecarDisconnected(identity.Service, identity.Instance, session.ConnectionId);
            metrics.PolicyStream(-1);
            LogDisconnected(logger, identity.Service, identity.Instance);
        }

        if (session.WasReplaced)
        {
            throw new RpcException(new Status(StatusCode.Aborted, "replaced by a newer policy stream of the same instance and credential"));
        }
    }

    private void Answer(PolicySession session, Wire.PolicyRequest request)
    {
        // Only the first answer to the last snapshot sent counts; an older one was overtaken by a newer push.
        if (!session.TryAnswer(request.ResponseNonce))
        {
            metrics.Answer("stale");
            return;
        }

        if (request.ErrorDetail is { } detail)
        {
            var reason = detail.Fields.Count == 0 ? detail.Message : $"{detail.Message}: {string.Join("; ", detail.Fields.Select(f => $"{f.Field}: {f.Message}"))}";
            answers.Record(session.Service, session.Instance, session.SentVersion, request.ResponseNonce, reason);
            metrics.Answer("nack");
            LogNack(logger, session.Service, session.Instance, session.SentVersion, reason);
            return;
        }

        answers.Record(session.Service, session.Instance, session.SentVersion, request.ResponseNonce, error: null);
        metrics.Answer("ack");
    }

    /// <summary>Signs <paramref name="request"/> for the stream's service and sends the certificate, or why it was refused.</summary>
    private async Task IssueAsync(
        PolicySession session, Wire.CertificateRequest request, string actor, IServerStreamWriter<Wire.PolicySnapshot> stream, SemaphoreSlim writing, CancellationToken cancel)
    {
        var answer = new Wire.IssuedCertificate();
        if (!authority.Enabled)
        {
            answer.Error = "the control plane issues no certificates; accepted: ControlPlane:Identity:Enabled=true on the control plane";
            metrics.Rejected("certificate_disabled");
        }
        else
        {
            try
            {
                var issued = authority.Issue(session.Service, request.Csr.Span, actor);
                answer.CertificateChainPem = issued.CertificatePem;
                answer.TrustBundlePem = issued.TrustBundlePem;
                answer.NotAfter = Timestamp.FromDateTimeOffset(issued.NotAfter);
            }
            catch (CertificateRequestException ex)
            {
                answer.Error = ex.Message;
                metrics.Rejected("certificate_request");
            }
        }

        await writing.WaitAsync(cancel);
        try
        {
            await stream.WriteAsync(
                new Wire.PolicySnapshot { Version = session.SentVersion, Nonce = Guid.NewGuid().ToString("N"), Service = session.Service, Certificate = answer }, cancel);
        }
        finally
        {
            writing.Release();
        }
    }

    private static async Task WriteAsync(PolicySession session, IServerStreamWriter<Wire.PolicySnapshot> stream, SemaphoreSlim writing, CancellationToken cancel)
    {
        try
        {
            await foreach (var snapshot in session.Pending.ReadAllAsync(cancel))
            {
                await writing.WaitAsync(cancel);
                try
                {
                    var nonce = Guid.NewGuid().ToString("N");
                    session.MarkSent(snapshot.Version, nonce);
                    await stream.WriteAsync(
                        new Wire.PolicySnapshot { Version = snapshot.Version, Nonce = nonce, Service = snapshot.Service, Policy = snapshot.Policy }, cancel);
                }
                finally
                {
                    writing.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException) when (cancel.IsCancellationRequested)
        {
            // The call completed while a write was due.
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Sidecar {Service}/{Instance} connected (last applied version {Version})")]
    private static partial void LogConnected(ILogger logger, string service, string instance, long version);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Sidecar {Service}/{Instance} disconnected")]
    private static partial void LogDisconnected(ILogger logger, string service, string instance);

    [LoggerMessage(EventId = 214, Level = LogLevel.Warning, Message = "Refused a policy stream of {Actor} as {Service}/{Instance}: {Reason}")]
    private static partial void LogDenied(ILogger logger, string actor, string service, string instance, string reason);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "Sidecar {Service}/{Instance} refused policy version {Version}: {Reason}")]
    private static partial void LogNack(ILogger logger, string service, string instance, long version, string reason);
}
