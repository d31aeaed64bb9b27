using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Healing.Internal;

/// <summary>Turns an agent's action into a stored healing, or not: the same healing (<see cref="HealingAction.Key"/>) is not
/// proposed again while <see cref="HealingLifecycle.Blocks"/> says so; up to <see cref="HealingOptions.AutoApplyRisk"/> it is
/// approved at once unless a dry-run covers it, the rest wait for an operator.</summary>
internal sealed class ProposalPolicy(MeshStore store, HealingOptions options)
{
    public void Propose(AgentOutput output, HealingAction action, Dictionary<string, StoredIssue> issues, DateTimeOffset now)
    {
        if (store.Actions(null, null, 1, key: action.Key).FirstOrDefault() is { } latest
            && HealingLifecycle.Blocks(HealingLifecycle.StateOf(latest), ActionDetails.Parse(latest.Details), now - latest.UpdatedAt, options.Cooldown))
        {
            return;
        }

        var finding = output.Findings.FirstOrDefault(f => f.Kind == action.FindingKind && f.Subject == action.FindingSubject);
        var issue = finding is null ? null : issues.GetValueOrDefault(finding.Fingerprint(output.Agent, output.Service));
        var dryRun = options.DryRun || options.DryRunServices.Contains(output.Service, StringComparer.Ordinal)
            || options.DryRunAgents.Contains(output.Agent, StringComparer.Ordinal);
        var automatic = action.AppliesAutomatically(dryRun, options.AutoApplyRisk);
        var details = ActionDetails.From(action, finding);
        if (action.Command is PatchReview review && issue is not null)
        {
            // A review cites its issue (the commit, the pull request): the store's id is known here, not to the agent.
            details.Command = review with { IssueId = issue.Id };
        }

        var stored = store.AddAction(
            issue?.Id, output.Service, output.Agent, action.Kind, action.Description, action.Risk.ToString().ToLowerInvariant(), automatic, dryRun,
            action.Diff ?? string.Empty, action.RollbackPlan, action.Key, details.ToJson());
        var why = dryRun && action.AppliesAutomatically(false, options.AutoApplyRisk)
            ? "dry-run: would apply automatically, nothing applied"
            : automatic && action.Review ? $"a review ({stored.Risk} risk to merge): opening it automatically; a person merges it"
            : automatic ? $"{stored.Risk} risk: applying automatically" : $"{stored.Risk} risk: waiting for approval";
        store.Audit(output.Agent, dryRun ? "action.dry-run" : "action.proposed", output.Service, stored.Id,
            $"{action.Kind} on {action.Target}: {action.Description}; {why}; diff {action.Diff ?? "none"}; evidence {IssueTracker.Evidence(finding?.Evidence)}");
    }
}
