namespace Mesh.Heal.Policy;

/// <summary>One reason a policy was rejected.</summary>
/// <param name="Field">The setting's full path, e.g. <c>Resilience:Clusters:backend:Timeout</c>.</param>
/// <param name="Message">What is wrong and which values are accepted.</param>
public sealed record PolicyError(string Field, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Field}: {Message}";
}
