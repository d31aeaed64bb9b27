using Grpc.Core;
using Grpc.Net.Client;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Benchmarks.Propagation;

/// <summary>A bare policy stream on its own HTTP/2 connection that ACKs every snapshot, as a sidecar does once it has applied it.</summary>
internal sealed class SimulatedSidecar : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Task _run;
    private readonly CancellationTokenSource _stop = new();
    private int _opens;

    public SimulatedSidecar(Uri controlPlane, string service, string instance, Action<long> onAck)
    {
        // One channel per stream: every sidecar has its own connection to the control plane.
        _channel = GrpcChannel.ForAddress(controlPlane, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler() });
        _run = RunAsync(service, instance, onAck);
    }

    /// <summary>How many times the stream was opened: more than once when the control plane refused or closed it.</summary>
    public int Opens => Volatile.Read(ref _opens);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException)
        {
        }

        _channel.Dispose();
        _stop.Dispose();
    }

    /// <summary>Opens the stream and ACKs every snapshot; a stream that fails (a connection refused while thousands open at
    /// once) or that the control plane ends is opened again after a pause, as a sidecar's reconnect does.</summary>
    private async Task RunAsync(string service, string instance, Action<long> onAck)
    {
        while (true)
        {
            try
            {
                await StreamAsync(service, instance, onAck);
            }
            catch (RpcException) when (!_stop.IsCancellationRequested)
            {
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), _stop.Token);
        }
    }

    private async Task StreamAsync(string service, string instance, Action<long> onAck)
    {
        Interlocked.Increment(ref _opens);
        using var call = new Wire.PolicyDiscovery.PolicyDiscoveryClient(_channel).Stream(cancellationToken: _stop.Token);
        await call.RequestStream.WriteAsync(new Wire.PolicyRequest { Identity = new Wire.SidecarIdentity { Service = service, Instance = instance } });
        await foreach (var snapshot in call.ResponseStream.ReadAllAsync(_stop.Token))
        {
            await call.RequestStream.WriteAsync(new Wire.PolicyRequest { Version = snapshot.Version, ResponseNonce = snapshot.Nonce });
            onAck(snapshot.Version);
        }
    }
}
