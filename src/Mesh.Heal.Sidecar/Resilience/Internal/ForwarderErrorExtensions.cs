using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Heal.Sidecar.Resilience.Internal;

internal static class ForwarderErrorExtensions
{
    /// <summary>Whether YARP's error came from the caller's side (it went away or sent a broken body), not the upstream's.</summary>
    public static bool IsCausedByClient(this ForwarderError error) =>
        error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
            or ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyClient
            or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseClient
            or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled;
}
