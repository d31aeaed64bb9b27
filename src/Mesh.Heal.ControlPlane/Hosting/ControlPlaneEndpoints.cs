using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>The control plane's listeners, with the ports actually bound (port 0 resolves at start).</summary>
public sealed class ControlPlaneEndpoints
{
    internal ListenOptions? Grpc { get; set; }

    internal ListenOptions? Http { get; set; }

    internal bool GrpcHttps { get; set; }

    internal bool HttpHttps { get; set; }

    /// <summary>The gRPC listener, e.g. <c>http://127.0.0.1:15010</c>.</summary>
    public Uri GrpcUri => ToUri(Grpc, GrpcHttps ? "https" : "http");

    /// <summary>The HTTP/JSON listener, e.g. <c>http://127.0.0.1:15080</c> (or <c>https://</c>).</summary>
    public Uri HttpUri => ToUri(Http, HttpHttps ? "https" : "http");

    private static Uri ToUri(ListenOptions? options, string scheme)
    {
        var endPoint = options?.IPEndPoint ?? throw new InvalidOperationException("the control plane has not started");
        var address = endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.Loopback : endPoint.Address;
        return new Uri($"{scheme}://{new IPEndPoint(address, endPoint.Port)}");
    }
}
