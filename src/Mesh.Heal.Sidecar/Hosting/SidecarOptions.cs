namespace Mesh.Heal.Sidecar.Hosting;

/// <summary>The <c>Sidecar</c> configuration section: who this sidecar fronts and where it listens.</summary>
public sealed class SidecarOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Sidecar";

    /// <summary>The name of the service this sidecar belongs to. Default <c>service</c>.</summary>
    public string Service { get; set; } = "service";

    /// <summary>Where callers reach the proxy: <c>http://host:port</c>; <c>*</c> for every interface, port 0 for any free port.</summary>
    /// <remarks>Default <c>http://127.0.0.1:15001</c>. Speaks HTTP/1.1 (cleartext HTTP/2 cannot share a port with it).</remarks>
    public string ListenUrl { get; set; } = "http://127.0.0.1:15001";

    /// <summary>An optional second proxy listener that speaks cleartext HTTP/2 (h2c, prior knowledge): the one gRPC callers use.</summary>
    /// <remarks>Default none. Same routes, clusters and resilience as <see cref="ListenUrl"/>.</remarks>
    public string? Http2ListenUrl { get; set; }

    /// <summary>Where the admin endpoints listen: <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>, <c>/admin/state</c>.</summary>
    /// <remarks>Default <c>http://127.0.0.1:15000</c> (loopback only).</remarks>
    public string AdminUrl { get; set; } = "http://127.0.0.1:15000";
}
