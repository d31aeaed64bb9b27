using Grpc.Core;
using Mesh.Heal.Policy;
using Mesh.Heal.Sidecar.Identity;
using Mesh.Heal.Sidecar.Resilience.Internal;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Sidecar.PolicySync.Internal;

/// <summary>Keeps one policy stream open to the control plane: applies each snapshot and answers it with an ACK or a NACK.</summary>
/// <remarks>
/// The first request names this sidecar and the version it runs (a control-plane or last-known-good version, or 0).
/// When the stream fails or ends it moves to the control plane's next address, at once unless every address failed in a row
/// (<see cref="StreamReconnect"/>'s backoff); the policy in force keeps running meanwhile, and the backoff starts over once a
/// stream is accepted. With an identity (<see cref="SidecarIdentity"/>), each accepted stream also carries its certificate
/// requests; a snapshot carrying only a certificate goes to the identity and is not answered, so the policy's ACKs are untouched.
/// </remarks>
internal sealed partial class PolicySyncClient(
    ControlPlaneConnection connection, PolicySnapshotApplier applier, ClusterResilienceRegistry registry, ControlPlaneStatus status,
    StreamReconnect reconnect, SidecarIdentity identity, ILogger<PolicySyncClient> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!connection.Configured)
        {
            return;
        }

        await reconnect.RunAsync(connection.Addresses, RunStreamAsync, OnRetry, stoppingToken);
    }

    private void OnRetry(Exception failure, int next, TimeSpan delay)
    {
        status.OnDisconnected(failure is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : failure.Message);
        LogReconnecting(logger, status.LastError ?? "stream ended", connection.Url(next), delay.TotalMilliseconds);
    }

    private async Task RunStreamAsync(int address, Action onAccepted, CancellationToken stoppingToken)
    {
        using var call = connection.PolicyClient(address).Stream(connection.Headers, cancellationToken: stoppingToken);
        var inForce = registry.Policy;
        await call.RequestStream.WriteAsync(
            new Wire.PolicyRequest { Identity = connection.Identity, Version = inForce.Source == PolicySource.Local ? 0 : inForce.Version },
            stoppingToken);

        // The control plane sends its headers once it has accepted the stream (token and identity checked).
        await call.ResponseHeadersAsync;
        status.OnConnected(connection.Url(address), connection.Endpoint(address));
        onAccepted();
        LogConnected(logger, connection.Url(address), connection.Endpoint(address) ?? "?");

        // The stream's writes take turns: ACKs here, certificate requests from the identity's loop.
        using var writing = new SemaphoreSlim(1, 1);
        using var streamEnded = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var certificates = identity.Enabled ? identity.RunAsync((request, cancel) => SendAsync(call, writing, request, cancel), streamEnded.Token) : Task.CompletedTask;
        try
        {
            await foreach (var snapshot in call.ResponseStream.ReadAllAsync(stoppingToken))
            {
                if (snapshot.Certificate is { } certificate)
                {
                    identity.OnAnswer(certificate);
                    if (snapshot.Policy is null)
                    {
                        continue;
                    }
                }

                await SendAsync(call, writing, applier.Apply(snapshot), stoppingToken);
            }
        }
        finally
        {
            await streamEnded.CancelAsync();
            try
            {
                await certificates;
            }
            catch (Exception) when (streamEnded.IsCancellationRequested)
            {
                // The identity's loop ends with its stream (cancelled, or its write failed on the broken stream); the next stream runs it again.
            }
        }
    }

    private static async Task SendAsync(AsyncDuplexStreamingCall<Wire.PolicyRequest, Wire.PolicySnapshot> call, SemaphoreSlim writing, Wire.PolicyRequest request, CancellationToken cancel)
    {
        await writing.WaitAsync(cancel);
        try
        {
            await call.RequestStream.WriteAsync(request, cancel);
        }
        finally
        {
            writing.Release();
        }
    }

    [LoggerMessage(EventId = 150, Level = LogLevel.Information, Message = "Policy stream to the control plane open at {Address} ({Endpoint})")]
    private static partial void LogConnected(ILogger logger, string address, string endpoint);

    [LoggerMessage(EventId = 151, Level = LogLevel.Warning, Message = "Policy stream to the control plane down ({Reason}); reconnecting to {Address} in {DelayMs:0} ms, the policy in force stays")]
    private static partial void LogReconnecting(ILogger logger, string reason, string address, double delayMs);
}
