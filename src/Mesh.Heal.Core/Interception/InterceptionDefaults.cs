namespace Mesh.Heal.Interception;

/// <summary>The ports and uid transparent interception uses unless told otherwise: <c>meshctl init-network</c>'s defaults,
/// and what <c>meshctl inject</c> and the control plane's injection webhook write into a pod.</summary>
/// <remarks>One place for both, so that the rules the init container installs and the listeners the injected sidecar opens
/// cannot drift apart.</remarks>
public static class InterceptionDefaults
{
    /// <summary>The uid the sidecar runs as; its own connections are never redirected.</summary>
    public const int ProxyUid = 1337;

    /// <summary>The sidecar's outbound listener, where the application's redirected outbound TCP lands.</summary>
    public const int OutboundPort = 15001;

    /// <summary>The sidecar's inbound listener, where TCP arriving for a service port lands.</summary>
    public const int InboundPort = 15006;

    /// <summary>The sidecar's admin port, never redirected.</summary>
    public const int AdminPort = 15000;

    /// <summary>The control plane's gRPC port, never redirected.</summary>
    public const int ControlPlaneGrpcPort = 15010;

    /// <summary>The control plane's HTTP port, never redirected.</summary>
    public const int ControlPlaneHttpPort = 15080;

    /// <summary>The ports outbound TCP keeps going straight to: the admin and control-plane ports.</summary>
    public static IReadOnlyList<int> ExcludedPorts { get; } = [AdminPort, ControlPlaneGrpcPort, ControlPlaneHttpPort];
}
