using Mesh.Heal.Injection.Internal;

namespace Mesh.Heal.Injection;

/// <summary>What <see cref="PodInjector"/> writes into a pod template: the image, the control plane and the token's Secret.</summary>
/// <remarks>
/// Defaults (kept in <c>InjectionConstants</c>): image <c>ghcr.io/mesh-heal/meshheal:0.1.0</c> (the one
/// deploy/kubernetes/example-orders.yaml runs), control plane <c>http://meshheal-control-plane.meshheal-system.svc:15010</c>,
/// token Secret <c>meshheal-{service}-token</c> with key <c>token</c>.
/// </remarks>
public sealed class InjectionOptions
{
    /// <summary>The Mesh.Heal image of the init and sidecar containers. Default <c>ghcr.io/mesh-heal/meshheal:0.1.0</c>.</summary>
    public string Image { get; set; } = InjectionConstants.Image;

    /// <summary>The control plane's gRPC URL the sidecar connects to (<c>Sidecar__ControlPlaneUrl</c>).</summary>
    /// <remarks>Default <c>http://meshheal-control-plane.meshheal-system.svc:15010</c>, the Service of deploy/kubernetes/control-plane.yaml.</remarks>
    public string ControlPlaneUrl { get; set; } = InjectionConstants.ControlPlaneUrl;

    /// <summary>The name of the Secret holding the sidecar's token, <c>{service}</c> replaced by the service's name.</summary>
    /// <remarks>Default <c>meshheal-{service}-token</c>; the token is read from its key <see cref="TokenSecretKey"/>.</remarks>
    public string TokenSecretPattern { get; set; } = InjectionConstants.TokenSecretPattern;

    /// <summary>The key of the token in its Secret. Default <c>token</c>.</summary>
    public string TokenSecretKey { get; set; } = InjectionConstants.TokenSecretKey;

    /// <summary>Whether only templates annotated <c>meshheal.io/inject: enabled</c> are injected. Default false: every template not disabled.</summary>
    public bool OnlyAnnotated { get; set; }
}
