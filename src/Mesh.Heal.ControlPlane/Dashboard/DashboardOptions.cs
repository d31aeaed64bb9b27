using Mesh.Heal.ControlPlane.Dashboard.Internal;

namespace Mesh.Heal.ControlPlane.Dashboard;

/// <summary>The web dashboard's settings: the <c>ControlPlane:Dashboard</c> section.</summary>
/// <remarks>The page itself is served from resources embedded in the control plane, under <c>/dashboard/</c> on the HTTP
/// listener; its data comes from the JSON API and the <c>/v1/events</c> stream, with the caller's token.</remarks>
public sealed class DashboardOptions
{
    /// <summary>How often <c>/v1/events</c> checks whether an answer changed. Default 1 s; accepted 100 ms to 1 min.</summary>
    public TimeSpan RefreshInterval { get; set; } = DashboardConstants.RefreshInterval;

    /// <summary>How often <c>/v1/events</c> writes a <c>: keep-alive</c> comment, so proxies keep the connection open.
    /// Default 15 s; accepted 1 s to 5 min.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = DashboardConstants.KeepAliveInterval;
}
