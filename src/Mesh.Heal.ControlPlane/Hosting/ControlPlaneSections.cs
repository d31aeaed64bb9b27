using Mesh.Heal.ControlPlane.Auth;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Logs;
using Mesh.Heal.ControlPlane.Replication;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.ControlPlane.Store;

namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>The configuration sections of the control plane's features, each bound to its own options class.</summary>
internal static class ControlPlaneSections
{
    public const string Host = ControlPlaneOptions.SectionName;
    public const string Auth = Host + ":Auth";
    public const string Tls = Host + ":Tls";
    public const string Limits = Host + ":Limits";
    public const string Healing = Host + ":Healing";
    public const string Agents = Host + ":Agents";
    public const string Resources = Host + ":Resources";
    public const string Kubernetes = Host + ":Kubernetes";
    public const string Capacity = Host + ":Capacity";
    public const string Logs = Host + ":Logs";
    public const string Store = Host + ":Store";
    public const string Ha = Host + ":Ha";
    public const string Dashboard = Host + ":Dashboard";
    public const string Injection = Host + ":Injection";
    public const string Identity = Host + ":Identity";

    /// <summary>Every options class and the section it is bound to; registration takes the section from here.</summary>
    public static readonly IReadOnlyDictionary<Type, string> ByType = new Dictionary<Type, string>
    {
        [typeof(ControlPlaneOptions)] = Host,
        [typeof(AuthOptions)] = Auth,
        [typeof(TlsOptions)] = Tls,
        [typeof(LimitOptions)] = Limits,
        [typeof(HealingOptions)] = Healing,
        [typeof(AgentOptions)] = Agents,
        [typeof(ResourceOptions)] = Resources,
        [typeof(KubernetesOptions)] = Kubernetes,
        [typeof(CapacityOptions)] = Capacity,
        [typeof(LogOptions)] = Logs,
        [typeof(StoreOptions)] = Store,
        [typeof(HaOptions)] = Ha,
        [typeof(Dashboard.DashboardOptions)] = Dashboard,
        [typeof(Mesh.Heal.Injection.InjectionOptions)] = Injection,
        [typeof(ControlPlane.Identity.IdentityOptions)] = Identity,
    };
}
