using System.Text.Json;
using System.Text.Json.Serialization;
using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Healing.Internal;

/// <summary>What the coordinator keeps with a stored action: how to apply and undo it, and how its verification went. Stored as JSON.</summary>
internal sealed partial class ActionDetails
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    /// <summary>What the actuator of its type carries out; null only in a row whose command cannot be read.</summary>
    public ActuatorCommand? Command { get; set; }

    /// <summary>What it acts on, for operators and the snapshot.</summary>
    [JsonIgnore]
    public string Target => Command?.Target ?? string.Empty;

    public List<EdgeId> Signal { get; set; } = [];

    public bool Temporary { get; set; }

    public bool OneShot { get; set; }

    /// <summary>Whether applying it only opened a review (a pull request): nothing to verify, and its issue stays open.</summary>
    public bool Review { get; set; }

    /// <summary>The evidence of the finding it answers, when it was proposed.</summary>
    public Dictionary<string, string> Evidence { get; set; } = new(StringComparer.Ordinal);

    /// <summary>What undoing it puts back, as its actuator recorded it; set once applied.</summary>
    public ActuatorUndo? Undo { get; set; }

    public DateTimeOffset? AppliedAt { get; set; }

    public SignalReading? Before { get; set; }

    public SignalReading? After { get; set; }

    /// <summary>How it turned out; null until verified, failed or undone.</summary>
    /// <remarks>Stored as <c>outcome</c>: <c>verdict</c> held free text before it was typed.</remarks>
    [JsonPropertyName("outcome")]
    public Verdict? Verdict { get; set; }

    /// <summary>Why it was undone, when <see cref="Verdict"/> is <see cref="Healing.Verdict.Undone"/>.</summary>
    public UndoReason? UndoReason { get; set; }

    /// <summary>The words behind the verdict where there are some: the actuator's error, the operator's reason.</summary>
    public string? Reason { get; set; }

    /// <summary>The free-text verdict of a row stored before verdicts were typed.</summary>
    [JsonPropertyName("verdict")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LegacyVerdict { get; set; }

    /// <summary>The verdict as operators read it.</summary>
    [JsonIgnore]
    public string? VerdictText => HealingLifecycle.Describe(this);

    public static ActionDetails From(HealingAction action, Finding? finding) => new()
    {
        Command = action.Command,
        Signal = [.. action.Signal],
        Temporary = action.Temporary,
        OneShot = action.OneShot,
        Review = action.Review,
        Evidence = finding is null ? new(StringComparer.Ordinal) : new(finding.Evidence, StringComparer.Ordinal),
    };

    public static ActionDetails Parse(string json) => (JsonSerializer.Deserialize<ActionDetails>(json, Json) ?? new ActionDetails()).Upgraded();

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>The caller-seen failures of a healing's signal edges over a window.</summary>
internal sealed record SignalReading(long Requests, long CallerFailures)
{
    public double Ratio => Requests == 0 ? 0 : (double)CallerFailures / Requests;

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Ratio:P1} caller failures over {Requests} requests");
}
