using System.Text.Json.Serialization;

namespace Mesh.Heal.Healing;

/// <summary>Sets or removes paths in the policy document of an edge's caller (<c>clusters:backend:override</c>: <c>forceFallback</c>).</summary>
/// <param name="Edge">The caller whose policy changes and the cluster the change is about.</param>
/// <param name="Changes">The paths it sets; a null value removes a path.</param>
public sealed record PolicyPatch(EdgeId Edge, IReadOnlyList<PolicyChange> Changes) : ActuatorCommand
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string Service => Edge.Caller;

    /// <inheritdoc/>
    [JsonIgnore]
    public override string Target => Edge.ToString();

    /// <inheritdoc/>
    [JsonIgnore]
    public override IReadOnlyList<string> Changed => [.. Changes.Select(c => c.Path.ToLowerInvariant()).Order(StringComparer.Ordinal)];

    /// <inheritdoc/>
    [JsonIgnore]
    public override ActuatorCommand? Inverse =>
        Changes.Count > 0 && Changes.All(c => c.Previous is not null)
            ? new PolicyPatch(Edge, [.. Changes.Select(c => new PolicyChange(c.Path, c.Previous) { Previous = c.Value })])
            : null;

    /// <inheritdoc/>
    public override string DescribeUndo() => Inverse is PolicyPatch inverse
        ? $"set {string.Join(", ", inverse.Changes.Select(c => $"{Dotted(c.Path)} back to {c.Value}"))} in {Service}'s policy"
        : $"put {string.Join(", ", Changes.Select(c => Dotted(c.Path)))} back as they were in {Service}'s policy";

    /// <inheritdoc/>
    public override IReadOnlyList<(string Field, string Message)> Validate()
    {
        var errors = new List<(string, string)>();
        if (!Edge.IsValid || !AgentOutputValidator.IsName(Edge.Caller))
        {
            errors.Add(("edge", $"'{Edge}' is not an edge; accepted: caller/cluster, the caller a service name"));
        }

        if (Changes.Count == 0 || Changes.Any(c => string.IsNullOrWhiteSpace(c.Path)))
        {
            errors.Add(("changes", "are empty or name an empty path; accepted: policy paths such as clusters:backend:override"));
        }

        return errors;
    }

    private static string Dotted(string path) => path.Replace(':', '.');
}

/// <summary>One path of a <see cref="PolicyPatch"/>.</summary>
/// <param name="Path">The configuration path in the policy document, <c>:</c>-separated (<c>clusters:c:timeout</c>).</param>
/// <param name="Value">What it becomes; null removes it.</param>
public sealed record PolicyChange(string Path, string? Value)
{
    /// <summary>What the agent saw there before, when it knew (<c>none</c>, <c>5s</c>): makes the <see cref="PolicyPatch.Inverse"/>.</summary>
    public string? Previous { get; init; }
}
