using Mesh.Heal.Sidecar.Interception;

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

    /// <summary>The control plane's gRPC address (<c>http://host:15010</c>, or <c>https://</c>), or several separated by commas; turns on the policy and telemetry streams.</summary>
    /// <remarks>
    /// Default none: the sidecar runs on its local configuration only. With several addresses (control-plane replicas), each
    /// stream starts on the first and moves to the next when its stream fails, at once; the reconnect backoff applies only
    /// after every address failed in a row. A host name with several records (a headless Service) is tried record by
    /// record the same way. The token, identity and certificate authority apply to every address.
    /// </remarks>
    public string? ControlPlaneUrl { get; set; }

    /// <summary>A PEM file of the certificate authorities that sign the control plane's certificate, for an <c>https://</c> <see cref="ControlPlaneUrl"/>.</summary>
    /// <remarks>Default none: the system's trusted roots. When set, only these roots are trusted for the control plane; its host name is still checked.</remarks>
    public string? ControlPlaneCertificateAuthority { get; set; }

    /// <summary>The bearer token sent to the control plane: the service's sidecar token, or <c>file:/path</c> of a file holding it. Default none.</summary>
    /// <remarks>A file is read again at every reconnect, so it can be a projected Kubernetes service-account token that the kubelet rotates.</remarks>
    public string? ControlPlaneToken { get; set; }

    /// <summary>Where the last accepted control-plane policy is kept, and read at start-up while the control plane is away.</summary>
    /// <remarks>Default none: nothing is persisted.</remarks>
    public string? StateDirectory { get; set; }

    /// <summary>This sidecar's name in the control plane: unique per sidecar, such as the pod name.</summary>
    /// <remarks>Default: the host name, the process id and a random suffix.</remarks>
    public string Instance { get; set; } = $"{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}-{Random.Shared.Next(0x10000):x4}";

    /// <summary>The zone the sidecar runs in, reported to the control plane. Default empty.</summary>
    public string Zone { get; set; } = string.Empty;

    /// <summary>How often telemetry is reported. Default 1 s; accepted 100 ms to 1 min.</summary>
    public TimeSpan TelemetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a caller may take to send a request's headers before the connection is closed.</summary>
    /// <remarks>Default 10 s; accepted 1 s to 5 min. A caller's slowness never counts against the upstream.</remarks>
    public TimeSpan CallerRequestHeadersTimeout { get; set; } = SidecarConstants.CallerRequestHeadersTimeout;

    /// <summary>The slowest a caller may send a request body, in bytes per second, after <see cref="CallerMinRequestBodyGracePeriod"/>.</summary>
    /// <remarks>Default 240; accepted 0 (no minimum) to 1048576. A caller below it gets its request ended, counted as the caller's error.</remarks>
    public double CallerMinRequestBodyBytesPerSecond { get; set; } = SidecarConstants.CallerMinRequestBodyBytesPerSecond;

    /// <summary>How long a caller's request body may run below <see cref="CallerMinRequestBodyBytesPerSecond"/> before it is ended.</summary>
    /// <remarks>Default 5 s; accepted 2 s to 5 min.</remarks>
    public TimeSpan CallerMinRequestBodyGracePeriod { get; set; } = SidecarConstants.CallerMinRequestBodyGracePeriod;

    /// <summary>The process id of the service this sidecar fronts, whose resources are reported too. Default none.</summary>
    public int? ServicePid { get; set; }

    /// <summary>Serving traffic that iptables redirected to the proxy listener: routed by Host to a cluster, else passed through.</summary>
    /// <remarks>Default off (<c>Sidecar:Interception:Enabled</c> false).</remarks>
    public InterceptionOptions Interception { get; set; } = new();

    /// <summary>An optional inbound listener, in front of the application: <c>http://IP:port</c>, such as <c>http://0.0.0.0:15006</c>, or <c>https://IP:port</c> for mTLS.</summary>
    /// <remarks>Default none. Requests arriving there (redirected to the inbound port) are forwarded to <see cref="InboundTarget"/>; set both or neither.
    /// <c>https://</c> needs <c>Sidecar:Identity:Enabled</c>: the listener serves the identity certificate, checks mesh client certificates,
    /// and serves plain HTTP on the same port unless the policy's <c>Mtls</c> is <c>Required</c>.</remarks>
    public string? InboundListenUrl { get; set; }

    /// <summary>Where inbound requests go: the application, such as <c>http://127.0.0.1:8080</c>.</summary>
    /// <remarks>Default none; required with <see cref="InboundListenUrl"/>. The caller's Host is kept.</remarks>
    public string? InboundTarget { get; set; }
    /// <summary>The sidecar's service identity: a certificate from the control plane's CA. Default off.</summary>
    public Identity.SidecarIdentityOptions Identity { get; set; } = new();
}
