namespace Mesh.Heal.Sidecar.Resilience;

/// <summary>How one attempt on a cluster's primary ended.</summary>
public enum AttemptResult
{
    /// <summary>A response below 500 within the slow-call threshold.</summary>
    Success = 0,

    /// <summary>A good response that took longer than the slow-call threshold: counts as a failure for the breaker.</summary>
    Slow,

    /// <summary>The upstream answered 5xx.</summary>
    ServerError,

    /// <summary>The attempt ran past the cluster's timeout.</summary>
    Timeout,

    /// <summary>Connecting, sending or receiving failed (refused, reset, no destination).</summary>
    TransportError,

    /// <summary>The caller went away: not the upstream's fault, not counted against it.</summary>
    ClientAborted,

    /// <summary>The breaker rejected the call without sending it.</summary>
    Rejected,
}
