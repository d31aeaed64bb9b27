namespace Mesh.Heal.Sidecar.Resilience.Internal;

/// <summary>The result type of the breaker's Polly pipeline: an <see cref="AttemptResult"/> in a struct.</summary>
/// <remarks>
/// Polly's <c>AddCircuitBreaker&lt;TResult&gt;</c> keeps every member of <c>TResult</c> for reflection
/// (<c>DynamicallyAccessedMembers.All</c>, for its options validation). For an enum that includes
/// <see cref="Enum.GetValues(Type)"/>, which NativeAOT cannot guarantee (IL3050); a struct has no such member.
/// </remarks>
internal readonly struct BreakerOutcome(AttemptResult result)
{
    public AttemptResult Result { get; } = result;
}
