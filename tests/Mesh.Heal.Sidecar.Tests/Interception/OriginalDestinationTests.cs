using System.Net;
using System.Net.Sockets;
using Mesh.Heal.Sidecar.Interception;

namespace Mesh.Heal.Sidecar.Tests.Interception;

public class OriginalDestinationTests
{
    [Fact]
    public async Task Read_PlainLoopbackConnection_IsNull()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await accepting;

        Assert.Null(OriginalDestination.Read(accepted));
        Assert.Null(OriginalDestination.Read(client));
    }

    [Fact]
    public async Task Read_DualModeSocket_IsNull()
    {
        using var listener = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        listener.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = listener.AcceptAsync();
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndPoint!).Port));
        using var accepted = await accepting;

        Assert.Null(OriginalDestination.Read(accepted));
    }
}
