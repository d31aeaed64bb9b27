using WireMock.Server;
using WireMock.Settings;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>WireMock.Net upstreams bound to 127.0.0.1 only.</summary>
internal static class Upstreams
{
    public static WireMockServer Start(int port = 0)
    {
        if (port == 0)
        {
            using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        return WireMockServer.Start(new WireMockServerSettings { Urls = [$"http://127.0.0.1:{port}"] });
    }

    public static string Address(this WireMockServer server) => $"http://127.0.0.1:{server.Port}/";

    public static int Port(this WireMockServer server) => server.Port;
}
