namespace Mesh.Heal.Sidecar.Hosting;

/// <summary>The defaults and accepted ranges of <see cref="SidecarOptions"/>' caller-facing limits.</summary>
internal static class SidecarConstants
{
    public static readonly TimeSpan CallerRequestHeadersTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MinCallerTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxCallerTimeout = TimeSpan.FromMinutes(5);
    public const double CallerMinRequestBodyBytesPerSecond = 240;
    public const double MaxCallerMinRequestBodyBytesPerSecond = 1024 * 1024;
    public static readonly TimeSpan MinCallerBodyGracePeriod = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan CallerMinRequestBodyGracePeriod = TimeSpan.FromSeconds(5);
}
