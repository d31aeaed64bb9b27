using System.Net;
using Yarp.ReverseProxy.Configuration;

// bare YARP: one catch-all route to the upstream given as the only argument, Kestrel as the sidecar sets it up (no
// server header, one HTTP/1.1 listener on 127.0.0.1, port chosen by the OS), no logging. Prints the line the load
// benchmark waits for: "bare YARP listening on http://127.0.0.1:port/". GET /_meshheal/allocated answers the bytes the
// process allocated so far, as the sidecar's meshheal_process_allocated_bytes_total (tests/bench/hotpath.sh reads both).
if (args.Length != 1 || !Uri.TryCreate(args[0], UriKind.Absolute, out var upstream))
{
    Console.Error.WriteLine("usage: bare-yarp <upstream url>");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Listen(IPAddress.Loopback, 0);
});
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "{**catch-all}" } }],
    [new ClusterConfig { ClusterId = "backend", Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = upstream.ToString() } } }]);
var app = builder.Build();
app.MapReverseProxy();
app.MapGet("/_meshheal/allocated", (RequestDelegate)(static context =>
    context.Response.WriteAsync(GC.GetTotalAllocatedBytes().ToString(System.Globalization.CultureInfo.InvariantCulture))));
await app.StartAsync();
Console.WriteLine($"bare YARP listening on {app.Urls.First()}/");
await app.WaitForShutdownAsync();
return 0;
