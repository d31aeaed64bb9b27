using System.Text.Json.Serialization;

namespace Mesh.Heal.Healing;

/// <summary>Proposes a code fix for review: the patch on a new branch from <paramref name="Revision"/>, committed and opened as a pull request; nothing is merged.</summary>
/// <param name="ServiceName">The service whose repository it changes.</param>
/// <param name="ErrorCluster">The error cluster it fixes (part of the target).</param>
/// <param name="Branch">The new branch; never the base branch.</param>
/// <param name="Base">The base branch the pull request goes into.</param>
/// <param name="Revision">The revision the patch was made against.</param>
/// <param name="Path">The file it changes.</param>
/// <param name="Patch">The change as a unified diff.</param>
/// <param name="Title">The commit's and the pull request's title.</param>
/// <param name="Body">The pull request's body.</param>
/// <param name="Issue">The fingerprint of the issue it fixes.</param>
public sealed record PatchReview(
    string ServiceName, string ErrorCluster, string Branch, string Base, string Revision, string Path, string Patch, string Title, string Body, string Issue) : ActuatorCommand
{
    /// <summary>The store's id of the issue, which the coordinator adds when it records the action (the agent cannot know it).</summary>
    public string? IssueId { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override string Service => ServiceName;

    /// <inheritdoc/>
    [JsonIgnore]
    public override string Target => $"{ServiceName}/{ErrorCluster}";

    /// <inheritdoc/>
    [JsonIgnore]
    public override IReadOnlyList<string> Changed => ["base", "body", "branch", "issue", "path", "patch", "revision", "title"];

    /// <inheritdoc/>
    [JsonIgnore]
    public override ActuatorCommand? Inverse => null;

    /// <inheritdoc/>
    public override string DescribeUndo() => $"close the pull request and revert its commit on branch {Branch}; {Base} is never pushed to by Mesh.Heal";

    /// <inheritdoc/>
    public override IReadOnlyList<(string Field, string Message)> Validate()
    {
        var errors = new List<(string, string)>();
        if (!AgentOutputValidator.IsName(ServiceName))
        {
            errors.Add(("serviceName", $"'{ServiceName}' is not a name; accepted: {AgentOutputValidator.NameRule}"));
        }

        foreach (var (field, value) in new[] { ("branch", Branch), ("path", Path), ("patch", Patch), ("title", Title) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add((field, "is empty; accepted: what the bug fixer's code.patch gives"));
            }
        }

        return errors;
    }
}
