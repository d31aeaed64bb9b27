namespace Mesh.Heal.Injection.Internal;

/// <summary>The defaults of <see cref="InjectionOptions"/> and the names and ports every issue-22 part shares.</summary>
/// <remarks>The ports and the proxy uid are <see cref="Mesh.Heal.Interception.InterceptionDefaults"/>, shared with <c>meshctl init-network</c>.</remarks>
internal static class InjectionConstants
{
    public const string Version = "0.1.0";
    public const string Image = "ghcr.io/mesh-heal/meshheal:" + Version;
    public const string ControlPlaneUrl = "http://meshheal-control-plane.meshheal-system.svc:15010";
    public const string TokenSecretPattern = "meshheal-{service}-token";
    public const string TokenSecretKey = "token";

    public const string InjectAnnotation = "meshheal.io/inject";
    public const string InjectedAnnotation = "meshheal.io/injected";
    public const string ServiceAnnotation = "meshheal.io/service";
    public const string ConfigAnnotation = "meshheal.io/config";
    public const string PrometheusScrapeAnnotation = "prometheus.io/scrape";
    public const string PrometheusPortAnnotation = "prometheus.io/port";
    public const string PrometheusPathAnnotation = "prometheus.io/path";
    public const string Enabled = "enabled";
    public const string Disabled = "disabled";

    public const string InitContainer = "meshheal-init";
    public const string SidecarContainer = "meshheal-sidecar";
    public const string StateVolume = "meshheal-sidecar-state";
    public const string StateDirectory = "/var/lib/meshheal/sidecar";
    public const string ConfigVolume = "meshheal-sidecar-config";
    public const string ConfigDirectory = "/etc/meshheal";
    public const string ConfigKey = "sidecar.json";
    public const string ConfigPath = ConfigDirectory + "/" + ConfigKey;
}
