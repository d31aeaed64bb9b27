namespace Mesh.Heal.Policy;

/// <summary>An operator's override of what a cluster's breaker would decide on its own.</summary>
public enum BreakerOverride
{
    /// <summary>No override: the breaker decides.</summary>
    None = 0,

    /// <summary>The breaker is held open: no request reaches the primary; the fallback serves, or 503 without one.</summary>
    ForceOpen,

    /// <summary>The breaker is held closed: every request tries the primary, whatever the failures.</summary>
    ForceClosed,

    /// <summary>Every request is served by the fallback; the breaker's own state is kept for when the override ends.</summary>
    ForceFallback,
}
