namespace Mesh.Heal.ControlPlane.Dashboard.Internal;

/// <summary>The dashboard's defaults and limits.</summary>
internal static class DashboardConstants
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    /// <summary>The topology window when the request names none, and the longest accepted.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MaxWindow = TimeSpan.FromHours(24);

    /// <summary>About how many steps each topology series has.</summary>
    public const int SeriesSteps = 60;

    /// <summary>The forecast horizon when the request names none, and the longest accepted.</summary>
    public static readonly TimeSpan DefaultHorizon = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxHorizon = TimeSpan.FromDays(7);

    /// <summary>The prefix of the page's files among the control plane's embedded resources.</summary>
    public const string ResourcePrefix = "dashboard/";
}
