using Mesh.Heal.ControlPlane.Auth;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Logs;
using Mesh.Heal.ControlPlane.Resources;

namespace Mesh.Heal.ControlPlane.Tests;

/// <summary>One instance of each feature's options, for tests that wire several parts together by hand; each part
/// still gets only its own (<c>Options.Create(options.Logs)</c>).</summary>
internal sealed class TestOptions
{
    public ControlPlaneOptions Host { get; } = new();

    public HealingOptions Healing { get; } = new();

    public AgentOptions Agents { get; } = new();

    public ResourceOptions Resources { get; } = new();

    public KubernetesOptions Kubernetes { get; } = new();

    public CapacityOptions Capacity { get; } = new();

    public LogOptions Logs { get; } = new();

    public LimitOptions Limits { get; } = new();

    public AuthOptions Auth { get; } = new();
}
