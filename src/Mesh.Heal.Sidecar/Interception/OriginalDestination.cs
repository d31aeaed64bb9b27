using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Mesh.Heal.Sidecar.Interception;

/// <summary>Reads where a connection redirected by iptables (<c>REDIRECT</c>) was going: the socket option <c>SO_ORIGINAL_DST</c>.</summary>
/// <remarks>
/// Linux only, IPv4 only (<c>getsockopt(fd, SOL_IP, SO_ORIGINAL_DST)</c> into a <c>sockaddr_in</c>). Null when the
/// connection was not redirected: the kernel reports the listener's own address then (or no address at all when
/// connection tracking is not loaded), and on other systems.
/// </remarks>
public static class OriginalDestination
{
    /// <summary><c>SOL_IP</c>, the IPv4 level of socket options.</summary>
    public const int SolIp = 0;

    /// <summary><c>SO_ORIGINAL_DST</c> from <c>linux/netfilter_ipv4.h</c>.</summary>
    public const int SoOriginalDst = 80;

    private const ushort AfInet = 2;
    private const int SockaddrInLength = 16;

    /// <summary>The original destination of an accepted connection, or null when it was not redirected or cannot be known.</summary>
    /// <param name="socket">The accepted connection's socket.</param>
    public static IPEndPoint? Read(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!OperatingSystem.IsLinux() || socket.LocalEndPoint is not IPEndPoint local)
        {
            return null;
        }

        Span<byte> address = stackalloc byte[SockaddrInLength];
        int length;
        try
        {
            length = socket.GetRawSocketOption(SolIp, SoOriginalDst, address);
        }
        catch (SocketException)
        {
            // ENOENT (no NAT entry), ENOPROTOOPT (no connection tracking), or an IPv6 socket.
            return null;
        }

        // sa_family is in the host's byte order, sin_port and sin_addr in the network's.
        if (length < 8 || MemoryMarshal.Read<ushort>(address) != AfInet)
        {
            return null;
        }

        var original = new IPEndPoint(new IPAddress(address.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(address.Slice(2, 2)));
        var localAddress = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
        return original.Port == local.Port && original.Address.Equals(localAddress) ? null : original;
    }
}
