using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>An upstream on 127.0.0.1 that answers every bodiless request with the same bytes, exactly as given (headers a Kestrel app would not send).</summary>
internal sealed class RawUpstream : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _response;

    public RawUpstream(string response)
    {
        _response = Encoding.ASCII.GetBytes(response);
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

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

            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    var received = new StringBuilder();
                    var buffer = new byte[4096];
                    try
                    {
                        while (true)
                        {
                            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                            if (read == 0)
                            {
                                return;
                            }

                            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                            while (received.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal) is var end and >= 0)
                            {
                                received.Remove(0, end + 4);
                                await socket.SendAsync(_response, SocketFlags.None, _stop.Token);
                            }
                        }
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                    {
                    }
                }
            });
        }
    }
}
