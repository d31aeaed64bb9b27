using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Heal.Testing.Network;

/// <summary>A raw TCP server inside a test's network namespace, run by the test process: it sends an optional greeting
/// first (a server-first protocol), then echoes what it receives until the client is done sending, then closes its side;
/// with a certificate it does that over TLS; with <c>reset</c> it resets each connection (RST) after its first read instead.</summary>
/// <remarks>Its socket is made inside the namespace, so it is reached, and redirected, as a program there would be.</remarks>
internal sealed class NamespaceTcpServer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _greeting;
    private readonly X509Certificate2? _certificate;
    private readonly bool _reset;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _received;

    private NamespaceTcpServer(Socket socket, byte[] greeting, X509Certificate2? certificate, bool reset)
    {
        _reset = reset;
        _socket = socket;
        _greeting = greeting;
        _certificate = certificate;
        _loop = AcceptAsync();
    }

    /// <summary>The bytes it received, over all connections (after TLS).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Listens on <paramref name="address"/>:<paramref name="port"/> inside <paramref name="network"/>.</summary>
    public static NamespaceTcpServer Start(NetworkNamespace network, IPAddress address, int port, byte[]? greeting = null, X509Certificate2? certificate = null, bool reset = false)
    {
        var socket = network.CreateSocket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(64);
            return new NamespaceTcpServer(socket, greeting ?? [], certificate, reset);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _loop;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                break;
            }

            connections.Add(ServeAsync(client));
        }

        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            try
            {
                await using var network = new NetworkStream(client, ownsSocket: false);
                Stream stream = network;
                if (_certificate is not null)
                {
                    var tls = new SslStream(network, leaveInnerStreamOpen: true);
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                    stream = tls;
                }

                await using (stream)
                {
                    await stream.WriteAsync(_greeting, _stop.Token);
                    var buffer = new byte[16 * 1024];
                    int read;
                    while ((read = await stream.ReadAsync(buffer, _stop.Token)) > 0)
                    {
                        Interlocked.Add(ref _received, read);
                        if (_reset)
                        {
                            // Closing with a zero linger time sends RST instead of FIN.
                            client.LingerState = new LingerOption(true, 0);
                            client.Close();
                            return;
                        }

                        await stream.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                    }

                    if (stream is SslStream ssl)
                    {
                        await ssl.ShutdownAsync();
                    }
                }

                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
            {
                // The client went away or the test ended; what the client saw is what its own check reports.
            }
        }
    }
}
