using System.Net;
using System.Net.Sockets;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>An upstream on 127.0.0.1 that reads each request and then resets the connection without answering.</summary>
internal sealed class DroppingUpstream : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    public DroppingUpstream()
    {
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

    public int Connections => Volatile.Read(ref _connections);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    var buffer = new byte[4096];
                    try
                    {
                        await socket.ReceiveAsync(buffer, SocketFlags.None);
                    }
                    catch (SocketException)
                    {
                    }

                    socket.LingerState = new LingerOption(true, 0); // close with RST: a dropped connection
                }
            });
        }
    }
}
