namespace Mesh.Heal.Health;

/// <summary>The health of one upstream cluster as seen by a sidecar.</summary>
/// <remarks>
/// The cycle is Healthy → Degraded → Failed → Recovering → Healthy. Degraded means errors or slow calls above
/// the degraded threshold while the breaker is closed; Failed means the breaker is open and the fallback serves;
/// Recovering means the breaker closed again and traffic ramps back from the fallback to the primary.
/// </remarks>
public enum HealthState
{
    /// <summary>Failures below the degraded threshold; every request goes to the primary.</summary>
    Healthy = 0,

    /// <summary>Failures at or above the degraded threshold while the breaker is still closed.</summary>
    Degraded = 1,

    /// <summary>The breaker is open (or probing): requests go to the fallback at once.</summary>
    Failed = 2,

    /// <summary>The probe passed: traffic ramps back from the fallback to the primary.</summary>
    Recovering = 3,
}
