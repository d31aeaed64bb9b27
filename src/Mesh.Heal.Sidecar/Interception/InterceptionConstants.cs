namespace Mesh.Heal.Sidecar.Interception;

/// <summary>The default and accepted range of <see cref="InterceptionOptions.ProtocolDetectionTimeout"/>.</summary>
internal static class InterceptionConstants
{
    public static readonly TimeSpan ProtocolDetectionTimeout = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MinProtocolDetectionTimeout = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxProtocolDetectionTimeout = TimeSpan.FromSeconds(10);
}
