using System.Net;
using System.Net.Sockets;

namespace Mesh.Heal.Testing.Network;

/// <summary>A TCP listener inside a test's network namespace that answers every connection with the port it listens on
/// and a newline, then closes it: which listener a (possibly redirected) connection reached.</summary>
/// <remarks>Runs in the test process: its socket is made on a thread that joined the namespace, and a socket stays in
/// the namespace it was made in. Sees also the connections the kernel redirected to it (iptables REDIRECT).</remarks>
internal sealed class PortEchoListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _accepted;

    private PortEchoListener(Socket socket)
    {
        _socket = socket;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        _loop = AcceptAsync();
    }

    /// <summary>The port it listens on (and answers with).</summary>
    public int Port { get; }

    /// <summary>How many connections it accepted.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Listens on <paramref name="address"/>:<paramref name="port"/> inside <paramref name="network"/>.</summary>
    public static PortEchoListener Start(NetworkNamespace network, IPAddress address, int port)
    {
        var socket = network.CreateSocket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(64);
            return new PortEchoListener(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptAsync()
    {
        var answer = System.Text.Encoding.ASCII.GetBytes(Port + "\n");
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            using (client)
            {
                try
                {
                    await client.SendAsync(answer, SocketFlags.None);
                    client.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                    // The caller went away first; it saw nothing, which its own check reports.
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _loop;
        _stop.Dispose();
    }
}
