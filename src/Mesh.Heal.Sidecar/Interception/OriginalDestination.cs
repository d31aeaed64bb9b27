using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Mesh.Heal.Sidecar.Interception;

/// <summary>Reads where a connection redirected by iptables or ip6tables (<c>REDIRECT</c>) was going: the socket option
/// <c>SO_ORIGINAL_DST</c> (<c>IP6T_SO_ORIGINAL_DST</c> for IPv6).</summary>
/// <remarks>
/// Linux only. An IPv4 connection (also one accepted as IPv4-mapped on a dual-mode socket) is read with
/// <c>getsockopt(fd, SOL_IP, SO_ORIGINAL_DST)</c> into a <c>sockaddr_in</c>, an IPv6 one with
/// <c>getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST)</c> into a <c>sockaddr_in6</c>. Null when the connection was not
/// redirected: the kernel reports the listener's own address then (or no address at all when connection tracking is
/// not loaded), and on other systems.
/// </remarks>
public static class OriginalDestination
{
    /// <summary><c>SOL_IP</c>, the IPv4 level of socket options.</summary>
    public const int SolIp = 0;

    /// <summary><c>SO_ORIGINAL_DST</c> from <c>linux/netfilter_ipv4.h</c>.</summary>
    public const int SoOriginalDst = 80;

    /// <summary><c>SOL_IPV6</c>, the IPv6 level of socket options.</summary>
    public const int SolIpv6 = 41;

    /// <summary><c>IP6T_SO_ORIGINAL_DST</c> from <c>linux/netfilter_ipv6/ip6_tables.h</c>.</summary>
    public const int Ip6tSoOriginalDst = 80;

    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;
    private const int SockaddrInLength = 16;
    private const int SockaddrIn6Length = 28;

    /// <summary>The original destination of an accepted connection, or null when it was not redirected or cannot be known.</summary>
    /// <param name="socket">The accepted connection's socket.</param>
    public static IPEndPoint? Read(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!OperatingSystem.IsLinux() || socket.LocalEndPoint is not IPEndPoint local)
        {
            return null;
        }

        var ipv6 = local.AddressFamily == AddressFamily.InterNetworkV6 && !local.Address.IsIPv4MappedToIPv6;
        Span<byte> address = stackalloc byte[SockaddrIn6Length];
        int length;
        try
        {
            length = ipv6
                ? socket.GetRawSocketOption(SolIpv6, Ip6tSoOriginalDst, address)
                : socket.GetRawSocketOption(SolIp, SoOriginalDst, address[..SockaddrInLength]);
        }
        catch (SocketException)
        {
            // ENOENT (no NAT entry), ENOPROTOOPT (no connection tracking).
            return null;
        }

        // sa_family is in the host's byte order; the port and the address in the network's.
        IPEndPoint original;
        if (ipv6)
        {
            // sockaddr_in6: family, port, flowinfo, 16 bytes of address, scope id.
            if (length < 24 || MemoryMarshal.Read<ushort>(address) != AfInet6)
            {
                return null;
            }

            original = new IPEndPoint(new IPAddress(address.Slice(8, 16)), BinaryPrimitives.ReadUInt16BigEndian(address.Slice(2, 2)));
            return original.Port == local.Port && original.Address.Equals(local.Address) ? null : original;
        }

        if (length < 8 || MemoryMarshal.Read<ushort>(address) != AfInet)
        {
            return null;
        }

        original = new IPEndPoint(new IPAddress(address.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(address.Slice(2, 2)));
        var localAddress = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
        return original.Port == local.Port && original.Address.Equals(localAddress) ? null : original;
    }
}
