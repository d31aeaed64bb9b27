using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Heal.Benchmarks.Load;

/// <summary>nginx as a reverse proxy to one upstream, with keep-alive both ways: the reference a sidecar is held to.</summary>
internal sealed class NginxProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private NginxProcess(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
    }

    public Uri Address { get; }

    public int Id => _process.Id;

    public static async Task<NginxProcess> StartAsync(string upstream)
    {
        var directory = Directory.CreateTempSubdirectory("meshheal-nginx-").FullName;
        var port = FreePort();
        var target = new Uri(upstream);
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), string.Create(CultureInfo.InvariantCulture, $$"""
            worker_processes auto;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 4096; }
            http {
              access_log off;
              client_body_temp_path {{directory}}/body;
              proxy_temp_path {{directory}}/proxy;
              upstream backend { server {{target.Host}}:{{target.Port}}; keepalive 128; }
              server {
                listen 127.0.0.1:{{port}};
                location / {
                  proxy_pass http://backend;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                }
              }
            }
            """));
        var info = new ProcessStartInfo(Tools.Which("nginx")!) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-p", directory, "-c", Path.Combine(directory, "nginx.conf"), "-g", "daemon off;" })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var nginx = new NginxProcess(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited with code {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
            }

            try
            {
                using var response = await client.GetAsync(nginx.Address);
                if (response.IsSuccessStatusCode)
                {
                    return nginx;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        await nginx.DisposeAsync();
        throw new TimeoutException("nginx did not answer within 15 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    // nginx cannot listen on port 0 and say which port it got; the port is free when chosen, which is enough for a benchmark.
    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
