using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>An upstream on 127.0.0.1 that speaks raw TCP, for what a Kestrel app would not do: answer with bytes exactly as
/// given (<see cref="Answering"/>), or read a request and reset the connection (<see cref="Dropping"/>).</summary>
internal sealed class RawUpstream : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<Socket, CancellationToken, Task> _serve;
    private int _connections;

    private RawUpstream(Func<Socket, CancellationToken, Task> serve)
    {
        _serve = serve;
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

    /// <summary>The connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Answers every bodiless request with <paramref name="response"/>, exactly as given.</summary>
    public static RawUpstream Answering(string response)
    {
        var bytes = Encoding.ASCII.GetBytes(response);
        return new RawUpstream(async (socket, stop) =>
        {
            var received = new StringBuilder();
            var buffer = new byte[4096];
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, stop);
                if (read == 0)
                {
                    return;
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                while (received.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal) is var end and >= 0)
                {
                    received.Remove(0, end + 4);
                    await socket.SendAsync(bytes, SocketFlags.None, stop);
                }
            }
        });
    }

    /// <summary>Reads each request and then resets the connection without answering.</summary>
    public static RawUpstream Dropping() => new(async (socket, stop) =>
    {
        await socket.ReceiveAsync(new byte[4096], SocketFlags.None, stop);
        socket.LingerState = new LingerOption(true, 0); // close with RST: a dropped connection
    });

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
                    try
                    {
                        await _serve(socket, _stop.Token);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                    {
                    }
                }
            });
        }
    }
}
