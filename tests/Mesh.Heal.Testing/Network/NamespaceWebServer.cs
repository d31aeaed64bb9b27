using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Heal.Testing.Network;

/// <summary>A Kestrel HTTP server whose listeners live inside a test's network namespace (on 0.0.0.0, as a pod's
/// application listens), run by the test process: its sockets are made inside the namespace, so it is reached, and
/// redirected, exactly as a program started there would be.</summary>
internal static class NamespaceWebServer
{
    /// <summary>Starts <paramref name="app"/> on 0.0.0.0:<paramref name="ports"/> inside <paramref name="network"/>.</summary>
    public static Task<WebApplication> StartAsync(NetworkNamespace network, RequestDelegate app, params int[] ports) =>
        StartAsync(network, IPAddress.Any, app, ports);

    /// <summary>Starts <paramref name="app"/> on <paramref name="address"/>:<paramref name="ports"/> inside <paramref name="network"/>
    /// (<see cref="IPAddress.IPv6Any"/> for an IPv6 listener).</summary>
    public static async Task<WebApplication> StartAsync(NetworkNamespace network, IPAddress address, RequestDelegate app, params int[] ports)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseSockets(sockets => sockets.CreateBoundListenSocket = endPoint =>
        {
            var socket = network.CreateSocket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(endPoint);
            return socket;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var port in ports)
            {
                kestrel.Listen(address, port);
            }
        });
        var server = builder.Build();
        server.Run(app);
        await server.StartAsync();
        return server;
    }
}
