using System.Text.RegularExpressions;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Healing;

/// <summary>Checks an <see cref="AgentOutput"/> before the coordinator acts on it; every error names the field and what is accepted.</summary>
/// <remarks>An agent's bug must not become an action: an output with any error is recorded as a finding about the agent, not applied.</remarks>
public static partial class AgentOutputValidator
{
    /// <summary>Every problem with <paramref name="output"/>; empty when the coordinator may act on it.</summary>
    public static IReadOnlyList<PolicyError> Validate(AgentOutput output)
    {
        var errors = new List<PolicyError>();
        Name("agent", output.Agent);
        Name("service", output.Service);
        for (var i = 0; i < output.Findings.Count; i++)
        {
            var f = output.Findings[i];
            var field = $"findings[{i}]";
            Kind($"{field}.kind", f.Kind);
            if (string.IsNullOrWhiteSpace(f.Summary))
            {
                errors.Add(new($"{field}.summary", "is empty; accepted: one sentence for an operator"));
            }

            if (!(f.Confidence is >= 0 and <= 1))
            {
                errors.Add(new($"{field}.confidence", $"{f.Confidence} is out of range; accepted: 0 to 1"));
            }
        }

        var needed = AgentOutput.StatusFor(output.Findings);
        if (output.Status < needed)
        {
            errors.Add(new("status", $"{output.Status} is milder than the findings call for; accepted: {needed} or graver"));
        }

        var kinds = output.Findings.Select(f => f.Kind).ToHashSet(StringComparer.Ordinal);
        var findings = output.Findings.Select(f => (f.Kind, f.Subject)).ToHashSet();
        for (var i = 0; i < output.Actions.Count; i++)
        {
            var a = output.Actions[i];
            var field = $"actions[{i}]";
            Kind($"{field}.kind", a.Kind);
            if (a.Command is null)
            {
                errors.Add(new($"{field}.command", "is missing; accepted: a PolicyPatch, HpaChange, Cleanup or PatchReview"));
            }
            else
            {
                foreach (var (name, message) in a.Command.Validate())
                {
                    errors.Add(new($"{field}.command.{name}", message));
                }
            }

            if (string.IsNullOrWhiteSpace(a.RollbackPlan))
            {
                errors.Add(new($"{field}.rollbackPlan", "is empty; accepted: how to undo the action (every action has one)"));
            }

            if (a.FindingKind.Length > 0 && !kinds.Contains(a.FindingKind))
            {
                errors.Add(new($"{field}.findingKind", $"'{a.FindingKind}' is not among the findings; accepted: {string.Join(", ", kinds.Order(StringComparer.Ordinal))}"));
            }
            else if (a.FindingKind.Length > 0 && !findings.Contains((a.FindingKind, a.FindingSubject)))
            {
                errors.Add(new($"{field}.findingSubject", $"'{a.FindingSubject}' is not the subject of a '{a.FindingKind}' finding; accepted: "
                    + string.Join(", ", output.Findings.Where(f => f.Kind == a.FindingKind).Select(f => $"'{f.Subject}'"))));
            }

            foreach (var edge in a.Signal.Where(e => !e.IsValid))
            {
                errors.Add(new($"{field}.signal", $"'{edge}' is not an edge; accepted: caller/cluster"));
            }
        }

        return errors;

        void Name(string field, string value)
        {
            if (!IsName(value))
            {
                errors.Add(new(field, $"'{value}' is not a name; accepted: {NameRule}"));
            }
        }

        void Kind(string field, string value)
        {
            if (!KindPattern().IsMatch(value))
            {
                errors.Add(new(field, $"'{value}' is not a kind; accepted: dotted lowercase words, such as breaker.degraded"));
            }
        }
    }

    /// <summary>What a service or agent name may be, in words.</summary>
    public const string NameRule = "lowercase letters, digits, '-', '_' and '.', 1 to 63 characters";

    /// <summary>Whether <paramref name="value"/> is a service or agent name: <see cref="NameRule"/>.</summary>
    public static bool IsName(string value) => NamePattern().IsMatch(value);

    [GeneratedRegex("^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*$")]
    private static partial Regex KindPattern();
}
