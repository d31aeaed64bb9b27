using System.ComponentModel.DataAnnotations;

namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>Limits on incoming messages: the <c>ControlPlane:Limits</c> section.</summary>
/// <remarks>Each <see cref="RangeAttribute"/> is the accepted range, checked at start-up.</remarks>
public sealed class LimitOptions
{
    /// <summary>The largest gRPC message accepted. Default 1 MiB; accepted 4 KiB to 64 MiB.</summary>
    [Range(4096, 64 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>The largest policy document accepted. Default 256 KiB; accepted 1 KiB to 4 MiB.</summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int MaxPolicyBytes { get; set; } = 256 * 1024;

    /// <summary>The deepest nesting of mappings and lists in a policy document. Default 64; accepted 8 to 256.</summary>
    [Range(8, 256)]
    public int MaxPolicyDepth { get; set; } = 64;

    /// <summary>The most nodes in a policy document, counting every node an alias repeats. Default 50,000; accepted 100 to 1,000,000.</summary>
    [Range(100, 1_000_000)]
    public int MaxPolicyNodes { get; set; } = 50_000;

    /// <summary>The most aliases (<c>*name</c>) in a policy document. Default 100; accepted 0 to 10,000.</summary>
    [Range(0, 10_000)]
    public int MaxPolicyAliases { get; set; } = 100;

    /// <summary>The most characters of keys and values a policy document may expand to, aliases included. Default 4 Mi; accepted 64 Ki to 64 Mi.</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int MaxPolicyExpandedChars { get; set; } = 4 * 1024 * 1024;

    /// <summary>Telemetry reports accepted per second from one sidecar stream (a burst of twice this is allowed). Default 10; accepted 1 to 1000.</summary>
    [Range(1, 1000)]
    public int MaxReportsPerSecond { get; set; } = 10;

    /// <summary>Clusters accepted in one telemetry report. Default 256; accepted 1 to 10,000.</summary>
    [Range(1, 10_000)]
    public int MaxClustersPerReport { get; set; } = 256;

    /// <summary>Sidecar instances whose live state and recent reports are kept, and live policy streams; a new one beyond it is refused until one expires or disconnects. Default 10,000; accepted 1 to 1,000,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxInstances { get; set; } = 10_000;

    /// <summary>How long an instance that stopped reporting keeps its live state and recent reports. Default 10 min; accepted 5 min to 1 day.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "1.00:00:00")]
    public TimeSpan InstanceTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The largest count (requests, outcomes, a latency bucket) accepted for one cluster in one telemetry report.</summary>
    /// <remarks>Default 10,000,000; accepted 1 to 1,000,000,000,000. A report over it is dropped and counted as malformed.</remarks>
    [Range(typeof(long), "1", "1000000000000")]
    public long MaxCountPerReport { get; set; } = 10_000_000;

    /// <summary>How far a telemetry report's own time may be from the control plane's clock.</summary>
    /// <remarks>Default 5 minutes; accepted 1 s to 1 day. A report without a time is taken as sent at receipt.</remarks>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxReportClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Distinct values of a label taken from input (a service name in logs) per metric at <c>/metrics</c>.</summary>
    /// <remarks>Default 100; accepted 1 to 10,000. Values past it are counted under the label value <c>other</c>.</remarks>
    [Range(1, 10_000)]
    public int MaxMetricLabelValues { get; set; } = 100;
}
