using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Healing.Internal;

/// <summary>Checks <c>ControlPlane:Agents</c>: the circuit breaker's, resource exhaustion's and bug fixer's thresholds.</summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, AgentOptions options) => Check(options).Result();

    /// <summary>Every rule of <see cref="AgentOptions"/>.</summary>
    public static OptionsErrors Check(AgentOptions agents)
    {
        const string Section = ControlPlaneSections.Agents;
        var errors = new OptionsErrors();
        var cb = agents.CircuitBreaker;
        errors.Range(Section + ":CircuitBreaker:MinimumAttempts", cb.MinimumAttempts, 1, 1_000_000);
        foreach (var (field, value) in new[]
        {
            ("FailingRatio", cb.FailingRatio), ("DegradedRatio", cb.DegradedRatio), ("Quorum", cb.Quorum), ("ActionRisk", cb.ActionRisk),
            ("TransitiveDecay", cb.TransitiveDecay), ("TightenShare", cb.TightenShare),
        })
        {
            if (!(value is > 0 and <= 1))
            {
                errors.Add(Section + ":CircuitBreaker:" + field, $"{value} is out of range; accepted: above 0, at most 1");
            }
        }

        errors.Duration(Section + ":CircuitBreaker:MinimumHold", cb.MinimumHold, TimeSpan.FromSeconds(1), cb.MaximumHold);
        var resources = agents.Resources;
        errors.Duration(Section + ":Resources:CleanupLead", resources.CleanupLead, TimeSpan.Zero, TimeSpan.FromDays(30));
        if (!(resources.AnomalyThreshold is > 0 and <= 1) || !(resources.AnomalyWarning is > 0 and <= 1))
        {
            errors.Add(Section + ":Resources:AnomalyThreshold", $"{resources.AnomalyThreshold} / {resources.AnomalyWarning} is out of range; accepted: above 0, at most 1");
        }

        var fixer = agents.BugFixer;
        errors.Range(Section + ":BugFixer:MinimumRecent", fixer.MinimumRecent, 1, 1_000_000);
        errors.Range(Section + ":BugFixer:MaximumFindings", fixer.MaximumFindings, 1, 1000);
        if (!(fixer.MinimumPatchConfidence is >= 0 and <= 1) || !(fixer.TimeoutFactor is > 1 and <= 10))
        {
            errors.Add(Section + ":BugFixer:MinimumPatchConfidence", $"MinimumPatchConfidence {fixer.MinimumPatchConfidence} or TimeoutFactor {fixer.TimeoutFactor} is out of range; accepted: 0 to 1, and above 1 up to 10");
        }

        if (fixer.BranchPrefix.Length == 0 || fixer.BranchPrefix.StartsWith('-') || fixer.BranchPrefix.Contains(' ', StringComparison.Ordinal))
        {
            errors.Add(Section + ":BugFixer:BranchPrefix", $"'{fixer.BranchPrefix}' is not accepted; accepted: a branch name prefix such as meshheal/fix-");
        }

        return errors;
    }
}
