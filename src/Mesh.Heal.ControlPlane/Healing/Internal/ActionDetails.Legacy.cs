using System.Globalization;
using System.Text.Json.Serialization;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Git;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Healing.Internal;

// Rows stored before commands were typed held an actuator name, a target, a dictionary of changes and one of previous
// values. They are read into the typed command and undo, so healings in force across an upgrade are still verified and undone.
internal sealed partial class ActionDetails
{
    [JsonPropertyName("actuator")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LegacyActuator { get; set; }

    [JsonPropertyName("target")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LegacyTarget { get; set; }

    [JsonPropertyName("changes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string?>? LegacyChanges { get; set; }

    [JsonPropertyName("previous")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string?>? LegacyPrevious { get; set; }

    private ActionDetails Upgraded()
    {
        if (Command is not null || LegacyTarget is not { } target)
        {
            return this;
        }

        var changes = LegacyChanges ?? [];
        var previous = LegacyPrevious;
        string Get(string key) => changes.GetValueOrDefault(key) ?? string.Empty;
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        var (service, rest) = slash > 0 ? (target[..slash], target[(slash + 1)..]) : (target, string.Empty);
        switch (LegacyActuator ?? "policy")
        {
            case "policy":
                Command = new PolicyPatch(new EdgeId(service, rest), [.. changes.Select(c => new PolicyChange(c.Key, c.Value))]);
                Undo = previous is null ? null : new PolicyUndo(previous);
                break;
            case "hpa":
                var fields = Enum.GetValues<HpaField>().ToDictionary(HpaFields.Name, StringComparer.Ordinal);
                Command = new HpaChange(service, [.. changes.Where(c => fields.ContainsKey(c.Key)).Select(c => new HpaFieldChange(fields[c.Key], Number(c.Value) ?? 0))]);
                Undo = previous is null ? null : new HpaUndo(previous.Where(p => fields.ContainsKey(p.Key)).ToDictionary(p => fields[p.Key], p => Number(p.Value)));
                break;
            case "cleanup":
                Command = new Cleanup(service, rest.Length > 0 ? rest : Get("instance"), Get("resource"), Get("method"));
                Undo = previous is null ? null : new CleanupUndo();
                break;
            case "git":
                Command = new PatchReview(service, rest, Get("branch"), Get("base"), Get("revision"), Get("path"), Get("patch"), Get("title"), Get("body"), Get("issue"))
                {
                    IssueId = changes.GetValueOrDefault("issueId"),
                };
                Undo = previous is null ? null : new ReviewUndo(
                    previous.GetValueOrDefault("branch") ?? string.Empty, previous.GetValueOrDefault("commit") ?? string.Empty, previous.GetValueOrDefault("remote"),
                    int.TryParse(previous.GetValueOrDefault("pullRequest"), CultureInfo.InvariantCulture, out var number) ? number : null, previous.GetValueOrDefault("url"));
                break;
        }

        (LegacyActuator, LegacyTarget, LegacyChanges, LegacyPrevious) = (null, null, null, null);
        return this;
    }

    private static double? Number(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;
}
