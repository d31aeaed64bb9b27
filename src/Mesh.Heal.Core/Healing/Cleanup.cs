using System.Text.Json.Serialization;

namespace Mesh.Heal.Healing;

/// <summary>Cleans up one replica of a service the way its cleanup settings say (a webhook, a command, an eviction).</summary>
/// <param name="ServiceName">The service.</param>
/// <param name="Instance">The replica (pod or instance name).</param>
/// <param name="Resource">The resource that leaks (<c>memory</c>, <c>handles</c>).</param>
/// <param name="Method">The configured method, as the agent saw it: <c>webhook</c>, <c>command</c> or <c>kubernetes</c>.</param>
public sealed record Cleanup(string ServiceName, string Instance, string Resource, string Method) : ActuatorCommand
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string Service => ServiceName;

    /// <inheritdoc/>
    [JsonIgnore]
    public override string Target => $"{ServiceName}/{Instance}";

    /// <inheritdoc/>
    [JsonIgnore]
    public override IReadOnlyList<string> Changed => ["instance", "method", "resource"];

    /// <inheritdoc/>
    [JsonIgnore]
    public override ActuatorCommand? Inverse => null;

    /// <inheritdoc/>
    public override string DescribeUndo() => $"a cleanup cannot be undone: {Instance} loses what it held; restore capacity by scaling {ServiceName} out";

    /// <inheritdoc/>
    public override IReadOnlyList<(string Field, string Message)> Validate()
    {
        var errors = new List<(string, string)>();
        if (!AgentOutputValidator.IsName(ServiceName))
        {
            errors.Add(("serviceName", $"'{ServiceName}' is not a name; accepted: {AgentOutputValidator.NameRule}"));
        }

        if (string.IsNullOrWhiteSpace(Instance) || Instance.Contains('/'))
        {
            errors.Add(("instance", $"'{Instance}' is not an instance; accepted: a pod or instance name"));
        }

        return errors;
    }
}
