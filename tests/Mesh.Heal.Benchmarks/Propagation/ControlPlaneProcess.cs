using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Heal.Benchmarks.Propagation;

/// <summary>A control plane as its own process on 127.0.0.1 with a fresh store, so its memory is its own.</summary>
internal sealed class ControlPlaneProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private ControlPlaneProcess(Process process, string directory, Uri grpc, Uri http)
    {
        _process = process;
        _directory = directory;
        GrpcUri = grpc;
        HttpUri = http;
    }

    public Uri GrpcUri { get; }

    public Uri HttpUri { get; }

    public static async Task<ControlPlaneProcess> StartAsync(string dll)
    {
        var directory = Directory.CreateTempSubdirectory("meshheal-bench-cp-").FullName;
        var grpc = new Uri($"http://127.0.0.1:{FreePort()}");
        var http = new Uri($"http://127.0.0.1:{FreePort()}");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            dll, "--ControlPlane:GrpcUrl=" + grpc, "--ControlPlane:HttpUrl=" + http,
            "--ControlPlane:StorePath=" + Path.Combine(directory, "controlplane.db"), "--Logging:LogLevel:Default=Warning",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("control plane: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var control = new ControlPlaneProcess(process, directory, grpc, http);
        using var client = new HttpClient { BaseAddress = http, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the control plane exited with code {process.ExitCode}");
            }

            try
            {
                using var response = await client.GetAsync("/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return control;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        await control.DisposeAsync();
        throw new TimeoutException("the control plane did not answer /healthz within 30 s");
    }

    /// <summary>Resident and peak resident memory of the process, in MiB, from /proc.</summary>
    public (double Rss, double Peak) Memory()
    {
        double Read(string key)
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(key + ":", StringComparison.Ordinal));
            return double.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        }

        return (Read("VmRSS"), Read("VmHWM"));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
