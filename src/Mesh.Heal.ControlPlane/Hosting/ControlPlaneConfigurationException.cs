using Mesh.Heal.Policy;

namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>Thrown at start-up when the control plane's configuration is invalid.</summary>
public sealed class ControlPlaneConfigurationException(IReadOnlyList<PolicyError> errors)
    : Exception("invalid configuration: " + string.Join("; ", errors))
{
    /// <summary>Every reason, each naming its setting.</summary>
    public IReadOnlyList<PolicyError> Errors { get; } = errors;
}
