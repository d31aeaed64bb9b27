using Mesh.Heal.Agents.Capacity;

namespace Mesh.Heal.ControlPlane.Capacity;

/// <summary>The capacity planner's and scaling adjuster's inputs per service; the <c>ControlPlane:Capacity</c> section.</summary>
public sealed class CapacityOptions
{
    /// <summary>How much demand history the planner reads from the rollups. Default 90 days (hourly beyond 7 days, per minute within).</summary>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How much history the scaling adjuster judges, per minute. Default 6 h.</summary>
    public TimeSpan ScalingLookback { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How often the demand and scaling history are read again (rollups, the HPA, Prometheus). Default 1 min.</summary>
    public TimeSpan Refresh { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The rollup step demand and scaling are read at: 1 s, 1 min or 1 h. Default none: hourly rollups for demand once
    /// they span three days, else per minute; per minute for scaling. 1 s is for time-compressed tests and demos.</summary>
    public TimeSpan? Resolution { get; set; }

    /// <summary>Per service: capacity, prices and the HPA that scales it. A service listed here is planned.</summary>
    public Dictionary<string, ServiceCapacityOptions> Services { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One service's capacity settings.</summary>
public sealed class ServiceCapacityOptions
{
    /// <summary>The planner's settings: capacity per replica (default measured), latency objective, headroom, prices.</summary>
    public CapacityPlannerOptions Planner { get; set; } = new();

    /// <summary>The HorizontalPodAutoscaler that scales the service; none: findings only, no scaling action.</summary>
    public HpaOptions? Hpa { get; set; }

    /// <summary>A PromQL query for the service's demand in requests/s (<c>sum(rate(http_server_request_duration_seconds_count{{selector}}[5m]))</c>),
    /// for a longer history than the mesh's own rollups; used instead of them when it returns more points. Default none.</summary>
    public string? DemandQuery { get; set; }

    /// <summary>This service's Prometheus; default <c>ControlPlane:Resources:Prometheus</c>.</summary>
    public string? Prometheus { get; set; }

    /// <summary>What replaces <c>{selector}</c> in <see cref="DemandQuery"/>. Default <c>job="&lt;service&gt;"</c>.</summary>
    public string? Selector { get; set; }

    /// <summary>The step of the demand query. Default 1 h.</summary>
    public TimeSpan DemandStep { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>An HPA (autoscaling/v2) and its policy as the control plane knows it.</summary>
public sealed class HpaOptions
{
    /// <summary>The HPA's name. Default the service's name.</summary>
    public string? Name { get; set; }

    /// <summary>Its namespace. Default <c>default</c>.</summary>
    public string Namespace { get; set; } = "default";

    /// <summary>spec.minReplicas. Default 1.</summary>
    public int MinReplicas { get; set; } = 1;

    /// <summary>spec.maxReplicas. Default 10.</summary>
    public int MaxReplicas { get; set; } = 10;

    /// <summary>The utilisation target as a share of a replica's capacity. Default 0.7.</summary>
    public double TargetUtilization { get; set; } = 0.7;

    /// <summary>spec.behavior.scaleUp.stabilizationWindowSeconds. Default 0.</summary>
    public TimeSpan ScaleUpStabilization { get; set; } = TimeSpan.Zero;

    /// <summary>spec.behavior.scaleDown.stabilizationWindowSeconds. Default 5 min.</summary>
    public TimeSpan ScaleDownStabilization { get; set; } = TimeSpan.FromMinutes(5);
}
