namespace Mesh.Heal.ControlPlane.Resources;

/// <summary>Where resource series come from besides the sidecars, and how a leaking replica is cleaned up; the
/// <c>ControlPlane:Resources</c> section.</summary>
public sealed class ResourceOptions
{
    /// <summary>How much history the leak detector reads. Default 6 h.</summary>
    /// <remarks>Up to 1 h, sidecar samples are read at 1 s; longer, at 1 min. Prometheus is asked for the same span.</remarks>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromHours(6);

    /// <summary>The step of Prometheus range queries. Default 1 min.</summary>
    public TimeSpan Step { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often Prometheus is queried. Default 30 s.</summary>
    public TimeSpan Refresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The Prometheus server (<c>http://prometheus:9090</c>) for services that name none. Default none.</summary>
    public string? Prometheus { get; set; }

    /// <summary>Per service: its Prometheus queries, limits and cleanup.</summary>
    public Dictionary<string, ServiceResourceOptions> Services { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One service's resources.</summary>
public sealed class ServiceResourceOptions
{
    /// <summary>This service's Prometheus server; default <see cref="ResourceOptions.Prometheus"/>.</summary>
    public string? Prometheus { get; set; }

    /// <summary>The label selector put in the default queries' <c>{selector}</c>. Default <c>job="&lt;service&gt;"</c>.</summary>
    public string? Selector { get; set; }

    /// <summary>Resource name → query. Empty: the defaults for the usual exporters (<see cref="ResourceQuery.Defaults"/>).</summary>
    public Dictionary<string, ResourceQuery> Queries { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How a leaking replica is cleaned up; none by default, and then a leak is only reported.</summary>
    public CleanupOptions? Cleanup { get; set; }
}

/// <summary>A PromQL query for one resource, one series per instance, and its limit.</summary>
public sealed class ResourceQuery
{
    /// <summary>The query; <c>{selector}</c> is replaced by the service's selector.</summary>
    public string Query { get; set; } = string.Empty;

    /// <summary>A fixed limit in the query's unit. Default none.</summary>
    public double? Limit { get; set; }

    /// <summary>A query for the limit, per instance (<c>process_max_fds{selector}</c>); its newest value counts. Default none.</summary>
    public string? LimitQuery { get; set; }

    /// <summary>The queries used when a service names none: process memory and file descriptors (Prometheus client
    /// libraries' process collector), .NET thread-pool threads (OpenTelemetry runtime metrics), container memory
    /// against its limit (cAdvisor).</summary>
    public static IReadOnlyDictionary<string, ResourceQuery> Defaults { get; } = new Dictionary<string, ResourceQuery>(StringComparer.Ordinal)
    {
        ["memory"] = new() { Query = "process_resident_memory_bytes{{selector}}" },
        ["handles"] = new() { Query = "process_open_fds{{selector}}", LimitQuery = "process_max_fds{{selector}}" },
        ["threads"] = new() { Query = "dotnet_thread_pool_thread_count{{selector}}" },
        ["container-memory"] = new() { Query = "container_memory_working_set_bytes{{selector}}", LimitQuery = "container_spec_memory_limit_bytes{{selector}}" },
    };
}

/// <summary>How a leaking replica is cleaned up.</summary>
public sealed class CleanupOptions
{
    /// <summary>The accepted methods.</summary>
    public static readonly string[] Methods = ["webhook", "command", "kubernetes"];

    /// <summary><c>webhook</c> (POST to <see cref="Url"/>), <c>command</c> (run <see cref="Command"/>) or <c>kubernetes</c>
    /// (evict the pod named by the instance through the Kubernetes API).</summary>
    public string Method { get; set; } = "webhook";

    /// <summary>The webhook; <c>{instance}</c>, <c>{service}</c> and <c>{resource}</c> are replaced. It gets a JSON body with the same fields.</summary>
    public string? Url { get; set; }

    /// <summary>The program and its arguments; MESHHEAL_SERVICE, MESHHEAL_INSTANCE and MESHHEAL_RESOURCE are set, and
    /// <c>{instance}</c>, <c>{service}</c>, <c>{resource}</c> replaced in the arguments. Exit code 0 is success.</summary>
    public string[] Command { get; set; } = [];

    /// <summary>The pods' namespace (kubernetes). Default <c>default</c>.</summary>
    public string Namespace { get; set; } = "default";

    /// <summary>Evict the pod through the Eviction API, which honours PodDisruptionBudgets (default); false deletes it.</summary>
    public bool Evict { get; set; } = true;

    /// <summary>How long the webhook or command may take. Default 30 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The Kubernetes API the control plane talks to; the <c>ControlPlane:Kubernetes</c> section.</summary>
public sealed class KubernetesOptions
{
    /// <summary>The API server (<c>https://kubernetes.default.svc</c>); empty with <see cref="InCluster"/> false means none.</summary>
    public string? Server { get; set; }

    /// <summary>A bearer token, or <c>file:/path</c>. Default none.</summary>
    public string? Token { get; set; }

    /// <summary>Use the pod's service account (KUBERNETES_SERVICE_HOST and the mounted token and CA). Default false.</summary>
    public bool InCluster { get; set; }
}
