using Mesh.Heal.Policy;

namespace Mesh.Heal.Sidecar.Configuration;

/// <summary>Thrown at start-up when the sidecar's configuration or resilience policy is invalid.</summary>
public sealed class SidecarConfigurationException(IReadOnlyList<PolicyError> errors)
    : Exception("invalid configuration: " + string.Join("; ", errors))
{
    /// <summary>Every reason the configuration was rejected, each naming its setting.</summary>
    public IReadOnlyList<PolicyError> Errors { get; } = errors;
}
