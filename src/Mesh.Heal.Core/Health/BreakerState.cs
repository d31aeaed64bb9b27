namespace Mesh.Heal.Health;

/// <summary>The state of a circuit breaker, independent of the library that implements it.</summary>
public enum BreakerState
{
    /// <summary>Calls flow; outcomes are sampled.</summary>
    Closed = 0,

    /// <summary>Calls are rejected until the break duration elapses.</summary>
    Open = 1,

    /// <summary>One probe call is let through; the rest are rejected.</summary>
    HalfOpen = 2,

    /// <summary>Held open by an operator until released.</summary>
    Isolated = 3,
}
