using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Heal.Benchmarks.Load;

/// <summary>nginx configurations for the load benchmark: the upstream every proxy forwards to, and nginx as a proxy.</summary>
/// <remarks>Keep-alive both ways with no per-connection request limit (nginx closes a connection after 1,000 requests
/// by default, which Kestrel and YARP do not), no access log.</remarks>
internal static class Nginx
{
    /// <summary>Writes a configuration into a new directory under <paramref name="parent"/> and returns how to start it.</summary>
    /// <param name="parent">The benchmark's temporary directory.</param>
    /// <param name="name">The directory's name.</param>
    /// <param name="upstream">The upstream to proxy to, or <see langword="null"/> for the upstream itself: <c>return 200 "ok"</c>
    /// from one worker.</param>
    public static (string FileName, string[] Args, Uri Address) Configure(string parent, string name, Uri? upstream)
    {
        var directory = Directory.CreateDirectory(Path.Combine(parent, name)).FullName;
        var port = FreePort();
        var location = upstream is null
            ? "location / { return 200 \"ok\"; }"
            : "location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; }";
        var backend = upstream is null
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $"upstream backend {{ server {upstream.Host}:{upstream.Port}; keepalive 128; keepalive_requests 100000000; }}");
        var path = Path.Combine(directory, "nginx.conf");
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $$"""
            worker_processes {{(upstream is null ? "1" : "auto")}};
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 4096; }
            http {
              access_log off;
              keepalive_requests 100000000;
              client_body_temp_path {{directory}}/body;
              proxy_temp_path {{directory}}/proxy;
              {{backend}}
              server {
                listen 127.0.0.1:{{port}};
                {{location}}
              }
            }
            """));
        return (Tools.Which("nginx")!, ["-p", directory, "-c", path, "-g", "daemon off;"], new Uri($"http://127.0.0.1:{port}/"));
    }

    // nginx cannot listen on port 0 and say which port it got; the port is free when chosen, which is enough for a benchmark.
    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
