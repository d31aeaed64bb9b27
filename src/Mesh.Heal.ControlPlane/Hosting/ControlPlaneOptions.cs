namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>The <c>ControlPlane</c> configuration section.</summary>
public sealed class ControlPlaneOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "ControlPlane";

    /// <summary>The gRPC listener: sidecar streams, MeshControl, health checking and reflection.</summary>
    /// <remarks>Default <c>http://127.0.0.1:15010</c> (h2c). An <c>https://</c> address needs <see cref="Tls"/>.</remarks>
    public string GrpcUrl { get; set; } = "http://127.0.0.1:15010";

    /// <summary>The HTTP/1.1 listener: the JSON API (<c>/v1/...</c>), <c>/metrics</c> and <c>/healthz</c>.</summary>
    /// <remarks>Default <c>http://127.0.0.1:15080</c>.</remarks>
    public string HttpUrl { get; set; } = "http://127.0.0.1:15080";

    /// <summary>The SQLite file. Default <c>meshheal-controlplane.db</c> in the working directory.</summary>
    public string StorePath { get; set; } = "meshheal-controlplane.db";

    /// <summary>A directory of policy documents (<c>*.yaml</c>, <c>*.yml</c>, <c>*.json</c>), watched for changes. Default none.</summary>
    public string? PolicyDirectory { get; set; }

    /// <summary>How long changes to one service's policy are gathered before they are pushed. Default 50 ms; accepted 0 to 10 s.</summary>
    public TimeSpan PushDebounce { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Bearer tokens and their roles.</summary>
    public AuthOptions Auth { get; set; } = new();

    /// <summary>The coordinator: schedule, dry-run, verification.</summary>
    public Healing.HealingOptions Healing { get; set; } = new();

    /// <summary>The agents' thresholds.</summary>
    public Healing.AgentOptions Agents { get; set; } = new();

    /// <summary>Resource series from Prometheus, limits, and how leaking replicas are cleaned up.</summary>
    public Resources.ResourceOptions Resources { get; set; } = new();

    /// <summary>Capacity planning and autoscaler tuning: per service, capacity, prices and its HPA.</summary>
    public Capacity.CapacityOptions Capacity { get; set; } = new();

    /// <summary>Where services' logs come from, and their git repositories for the bug fixer's patches.</summary>
    public Logs.LogOptions Logs { get; set; } = new();

    /// <summary>The Kubernetes API, for pod evictions (and scaling).</summary>
    public Resources.KubernetesOptions Kubernetes { get; set; } = new();

    /// <summary>The certificate of the gRPC listener when it is <c>https://</c>.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Limits on what comes in.</summary>
    public LimitOptions Limits { get; set; } = new();

    /// <summary>Bearer tokens by role. Each entry is a token, or <c>file:/path</c> for a file with one token per line.</summary>
    public sealed class AuthOptions
    {
        /// <summary>May read the API, change policy and act on actions.</summary>
        public string[] AdminTokens { get; set; } = [];

        /// <summary>May read the API.</summary>
        public string[] ReaderTokens { get; set; } = [];

        /// <summary>May only open the policy and telemetry streams.</summary>
        public string[] SidecarTokens { get; set; } = [];
    }

    /// <summary>A PEM certificate and key for the gRPC listener.</summary>
    public sealed class TlsOptions
    {
        /// <summary>The certificate (PEM). Default none.</summary>
        public string? CertificatePath { get; set; }

        /// <summary>The private key (PEM). Default none: the key is read from <see cref="CertificatePath"/>.</summary>
        public string? KeyPath { get; set; }
    }

    /// <summary>Limits on incoming messages.</summary>
    public sealed class LimitOptions
    {
        /// <summary>The largest gRPC message accepted. Default 1 MiB; accepted 4 KiB to 64 MiB.</summary>
        public int MaxMessageBytes { get; set; } = 1024 * 1024;

        /// <summary>The largest policy document accepted. Default 256 KiB; accepted 1 KiB to 4 MiB.</summary>
        public int MaxPolicyBytes { get; set; } = 256 * 1024;

        /// <summary>The deepest nesting of mappings and lists in a policy document. Default 64; accepted 8 to 256.</summary>
        public int MaxPolicyDepth { get; set; } = 64;

        /// <summary>The most nodes in a policy document, counting every node an alias repeats. Default 50,000; accepted 100 to 1,000,000.</summary>
        public int MaxPolicyNodes { get; set; } = 50_000;

        /// <summary>The most aliases (<c>*name</c>) in a policy document. Default 100; accepted 0 to 10,000.</summary>
        public int MaxPolicyAliases { get; set; } = 100;

        /// <summary>The most characters of keys and values a policy document may expand to, aliases included. Default 4 Mi; accepted 64 Ki to 64 Mi.</summary>
        public int MaxPolicyExpandedChars { get; set; } = 4 * 1024 * 1024;

        /// <summary>Telemetry reports accepted per second from one sidecar stream (a burst of twice this is allowed). Default 10; accepted 1 to 1000.</summary>
        public int MaxReportsPerSecond { get; set; } = 10;

        /// <summary>Clusters accepted in one telemetry report. Default 256; accepted 1 to 10,000.</summary>
        public int MaxClustersPerReport { get; set; } = 256;
    }
}
