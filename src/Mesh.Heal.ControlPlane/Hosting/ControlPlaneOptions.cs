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
    /// <remarks>
    /// A sidecar credential is bound to one service: a token of <see cref="ServiceTokens"/>, or a Kubernetes service-account
    /// token reviewed through <see cref="ServiceAccounts"/>. It may open the policy and telemetry streams, and push logs, of
    /// that service only.
    /// </remarks>
    public sealed class AuthOptions
    {
        /// <summary>May read the API, change policy and act on actions (and open any service's sidecar streams).</summary>
        public string[] AdminTokens { get; set; } = [];

        /// <summary>May read the API.</summary>
        public string[] ReaderTokens { get; set; } = [];

        /// <summary>Sidecar tokens per service (<c>ServiceTokens:&lt;service&gt;</c>): each may open that service's policy and telemetry streams only.</summary>
        /// <remarks>Default none. Keys are service names; a token may belong to one service only.</remarks>
        public Dictionary<string, string[]> ServiceTokens { get; set; } = new(StringComparer.Ordinal);

        /// <summary>No longer accepted: a sidecar token that is not bound to a service could claim any service.</summary>
        /// <remarks>Setting it stops start-up with an error that names <see cref="ServiceTokens"/> and <see cref="ServiceAccounts"/> instead.</remarks>
        public string[] SidecarTokens { get; set; } = [];

        /// <summary>Kubernetes service-account tokens as sidecar credentials, verified through the TokenReview API.</summary>
        public ServiceAccountOptions ServiceAccounts { get; set; } = new();
    }

    /// <summary>Sidecar credentials that are Kubernetes service-account tokens, verified with a TokenReview
    /// (<c>POST /apis/authentication.k8s.io/v1/tokenreviews</c>) on the API server of <see cref="Kubernetes"/>.</summary>
    /// <remarks>
    /// <c>system:serviceaccount:&lt;namespace&gt;:&lt;name&gt;</c> maps to the service of <see cref="Services"/>
    /// (<c>&lt;namespace&gt;/&lt;name&gt;</c>), else to the service named as the service account. A bound token that names
    /// its pod binds the instance too (the sidecar's <c>Instance</c> must be the pod name). Answers are cached for
    /// <see cref="CacheTtl"/> (refusals for <see cref="NegativeCacheTtl"/>). The control plane's own account needs
    /// <c>create</c> on <c>tokenreviews</c> (the <c>system:auth-delegator</c> cluster role).
    /// </remarks>
    public sealed class ServiceAccountOptions
    {
        /// <summary>Whether service-account tokens are accepted. Default false.</summary>
        public bool Enabled { get; set; }

        /// <summary>The audiences the token must be issued for (sent in the review). Default none: the API server's own.</summary>
        public string[] Audiences { get; set; } = [];

        /// <summary>The namespaces whose service accounts may be sidecars. Default none: every namespace (set it).</summary>
        /// <remarks>An account listed in <see cref="Services"/> is accepted whatever its namespace.</remarks>
        public string[] Namespaces { get; set; } = [];

        /// <summary>Service account (<c>&lt;namespace&gt;/&lt;name&gt;</c>) to service. Default none: the account's name is the service.</summary>
        public Dictionary<string, string> Services { get; set; } = new(StringComparer.Ordinal);

        /// <summary>How long an accepted token is remembered. Default 30 s; accepted 1 s to 10 min.</summary>
        public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>How long a refused token is remembered. Default 5 s; accepted 0 to 1 min.</summary>
        public TimeSpan NegativeCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>Tokens remembered at most. Default 10,000; accepted 100 to 1,000,000.</summary>
        public int MaxCacheEntries { get; set; } = 10_000;

        /// <summary>Reviews in flight at most; a call that finds them all busy for <see cref="ReviewTimeout"/> is refused as unavailable. Default 16; accepted 1 to 256.</summary>
        public int MaxConcurrentReviews { get; set; } = 16;

        /// <summary>How long a review may take. Default 5 s; accepted 100 ms to 30 s.</summary>
        public TimeSpan ReviewTimeout { get; set; } = TimeSpan.FromSeconds(5);
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

        /// <summary>Sidecar instances whose live state and recent reports are kept, and live policy streams; a new one beyond it is refused until one expires or disconnects. Default 10,000; accepted 1 to 1,000,000.</summary>
        public int MaxInstances { get; set; } = 10_000;

        /// <summary>How long an instance that stopped reporting keeps its live state and recent reports. Default 10 min; accepted 5 min to 1 day.</summary>
        public TimeSpan InstanceTtl { get; set; } = TimeSpan.FromMinutes(10);
        /// <summary>The largest count (requests, outcomes, a latency bucket) accepted for one cluster in one telemetry report.</summary>
        /// <remarks>Default 10,000,000; accepted 1 to 1,000,000,000,000. A report over it is dropped and counted as malformed.</remarks>
        public long MaxCountPerReport { get; set; } = 10_000_000;

        /// <summary>How far a telemetry report's own time may be from the control plane's clock.</summary>
        /// <remarks>Default 5 minutes; accepted 1 s to 1 day. A report without a time is taken as sent at receipt.</remarks>
        public TimeSpan MaxReportClockSkew { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>Distinct values of a label taken from input (a service name in logs) per metric at <c>/metrics</c>.</summary>
        /// <remarks>Default 100; accepted 1 to 10,000. Values past it are counted under the label value <c>other</c>.</remarks>
        public int MaxMetricLabelValues { get; set; } = 100;
    }
}
