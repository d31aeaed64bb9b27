using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace Mesh.Heal.Benchmarks.Load;

/// <summary><c>bare-yarp</c>: YARP with one route and nothing of Mesh.Heal, the baseline the sidecar is compared with.</summary>
/// <remarks>Kestrel and the forwarder as the sidecar sets them up (no server header, HTTP/1.1 listener), and no logging;
/// <c>GET /_meshheal/allocated</c> answers the bytes the process allocated so far.</remarks>
internal static class BareYarp
{
    public static async Task<int> RunAsync(string upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0);
        });
        builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "{**catch-all}" } }],
            [new ClusterConfig { ClusterId = "backend", Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = upstream } } }]);
        var app = builder.Build();
        app.MapReverseProxy();

        // For bytes per request over a load run (tests/bench/hotpath.sh), as the sidecar's meshheal_process_allocated_bytes_total.
        app.MapGet("/_meshheal/allocated", static () => GC.GetTotalAllocatedBytes().ToString(System.Globalization.CultureInfo.InvariantCulture));
        await app.StartAsync();
        Console.WriteLine($"bare YARP listening on {app.Urls.First()}/");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
