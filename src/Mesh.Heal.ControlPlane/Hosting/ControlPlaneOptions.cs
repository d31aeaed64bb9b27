using System.ComponentModel.DataAnnotations;

namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>The host's own settings in the <c>ControlPlane</c> section: listeners, store, policy directory and push.</summary>
/// <remarks>
/// Each feature has its own options class bound to its subsection (<c>ControlPlane:Healing</c> to
/// <see cref="Healing.HealingOptions"/>, <c>ControlPlane:Limits</c> to <see cref="LimitOptions"/>, ...); inject that one.
/// Every options class is checked at start-up (<c>ValidateOnStart</c>) and a bad setting stops the control plane.
/// </remarks>
public sealed class ControlPlaneOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "ControlPlane";

    /// <summary>The gRPC listener: sidecar streams, MeshControl, health checking and reflection.</summary>
    /// <remarks>Default <c>http://127.0.0.1:15010</c> (h2c). An <c>https://</c> address needs <see cref="TlsOptions"/>.</remarks>
    public string GrpcUrl { get; set; } = "http://127.0.0.1:15010";

    /// <summary>The HTTP/1.1 listener: the JSON API (<c>/v1/...</c>), <c>/metrics</c> and <c>/healthz</c>.</summary>
    /// <remarks>Default <c>http://127.0.0.1:15080</c>. An <c>https://</c> address (needed by the admission webhook,
    /// <c>/v1/inject</c>) serves the certificate of <see cref="TlsOptions"/>.</remarks>
    public string HttpUrl { get; set; } = "http://127.0.0.1:15080";

    /// <summary>The SQLite file. Default <c>meshheal-controlplane.db</c> in the working directory.</summary>
    public string StorePath { get; set; } = "meshheal-controlplane.db";

    /// <summary>A directory of policy documents (<c>*.yaml</c>, <c>*.yml</c>, <c>*.json</c>), watched for changes. Default none.</summary>
    public string? PolicyDirectory { get; set; }

    /// <summary>How long changes to one service's policy are gathered before they are pushed. Default 50 ms; accepted 0 to 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan PushDebounce { get; set; } = TimeSpan.FromMilliseconds(50);
}
