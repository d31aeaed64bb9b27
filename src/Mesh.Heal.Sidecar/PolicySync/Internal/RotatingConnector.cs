using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;

namespace Mesh.Heal.Sidecar.PolicySync.Internal;

/// <summary>Opens the TCP connection of a control-plane channel: resolves its host name and tries each address it has, starting
/// one further along the list at each new connection.</summary>
/// <remarks>
/// One name with several records (a Kubernetes headless Service over the control-plane replicas) then behaves as a list of
/// addresses: a refused or unreachable replica is skipped within the same connect, and a reconnect after a replica died
/// starts at the next one. Only the socket is chosen here; the HTTP layer keeps the URL's host name for TLS (SNI and the
/// certificate's name check) and the <c>:authority</c>. Each address gets <see cref="AddressTimeout"/> to connect.
/// </remarks>
internal sealed class RotatingConnector(Func<string, CancellationToken, Task<IPAddress[]>> resolve, TimeProvider time)
{
    /// <summary>How long one resolved address may take to accept the connection before the next is tried.</summary>
    public static readonly TimeSpan AddressTimeout = TimeSpan.FromSeconds(5);

    private int _connects;
    private volatile string? _lastEndpoint;

    /// <summary>The resolver of the system (DNS, /etc/hosts).</summary>
    public RotatingConnector(TimeProvider time)
        : this(static (host, cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken), time)
    {
    }

    /// <summary>The address and port of the last connection opened, or null before the first.</summary>
    public string? LastEndpoint => _lastEndpoint;

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/>.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var (host, port) = (context.DnsEndPoint.Host, context.DnsEndPoint.Port);
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await resolve(host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        var start = (int)((uint)(Interlocked.Increment(ref _connects) - 1) % (uint)addresses.Length);
        Exception? failure = null;
        for (var i = 0; i < addresses.Length; i++)
        {
            var endpoint = new IPEndPoint(addresses[(start + i) % addresses.Length], port);
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var timeout = new CancellationTokenSource(AddressTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await socket.ConnectAsync(endpoint, linked.Token);
                _lastEndpoint = endpoint.ToString();
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                socket.Dispose();
                failure = ex is OperationCanceledException ? new TimeoutException($"{endpoint} did not accept within {AddressTimeout.TotalSeconds:0} s") : ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        if (addresses.Length == 1)
        {
            ExceptionDispatchInfo.Throw(failure!);
        }

        throw new IOException($"none of the {addresses.Length} addresses of {host} accepted a connection; the last: {failure!.Message}", failure);
    }
}
