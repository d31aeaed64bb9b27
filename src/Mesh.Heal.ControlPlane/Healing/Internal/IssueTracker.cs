using System.Globalization;
using System.Text.Json;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Healing.Internal;

/// <summary>Merges findings into issues by fingerprint, resolves the issues no agent reports any more, and marks the ones a
/// verified healing mitigated.</summary>
internal sealed class IssueTracker(MeshStore store, HealingOptions options)
{
    /// <summary>Records every finding of <paramref name="outputs"/>; returns the issues they are, by fingerprint.</summary>
    public Dictionary<string, StoredIssue> Record(IReadOnlyList<AgentOutput> outputs)
    {
        var issues = new Dictionary<string, StoredIssue>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            foreach (var finding in output.Findings)
            {
                var fingerprint = finding.Fingerprint(output.Agent, output.Service);
                var before = store.Issues(null, null, 1, fingerprint).FirstOrDefault();
                var details = JsonSerializer.Serialize(new { confidence = finding.Confidence, evidence = finding.Evidence, agent = output.Agent });
                var issue = store.UpsertIssue(
                    fingerprint, output.Service, [output.Service, .. finding.Services.Where(s => s != output.Service)], finding.Kind,
                    finding.Severity.ToString().ToLowerInvariant(), finding.Summary, details);
                issues[fingerprint] = issue;
                if (before is null || before.State == ActionStates.Name(IssueState.Resolved))
                {
                    store.Audit(output.Agent, before is null ? "issue.opened" : "issue.reopened", output.Service, issue.Id,
                        $"{finding.Kind} {finding.Subject}: {finding.Summary}; confidence {finding.Confidence:0.00}; evidence {Evidence(finding.Evidence)}");
                }
            }
        }

        return issues;
    }

    /// <summary>Resolves the open issues not reported for <see cref="HealingOptions.ResolveAfter"/> (unless their agent failed
    /// this run); returns the temporary healings in force for them, which are to be undone.</summary>
    public IReadOnlyList<StoredAction> Resolve(Dictionary<string, StoredIssue> seen, IReadOnlySet<string> failedAgents, DateTimeOffset now)
    {
        var undo = new List<StoredAction>();
        foreach (var issue in store.OpenIssues())
        {
            if (seen.ContainsKey(issue.Fingerprint) || failedAgents.Contains(IssueFingerprint.Parse(issue.Fingerprint).Agent) || now - issue.LastSeen < options.ResolveAfter)
            {
                continue;
            }

            store.SetIssueState(issue.Id, IssueState.Resolved);
            store.Audit(HealingCoordinator.Actor, "issue.resolved", issue.Service, issue.Id,
                $"{issue.Kind}: not reported for {(now - issue.LastSeen).TotalSeconds:0} s (after {issue.Occurrences} occurrences since {issue.FirstSeen:O})");
            undo.AddRange(store.Actions(null, null, 100, issueId: issue.Id)
                .Where(a => HealingLifecycle.InForce(HealingLifecycle.StateOf(a)) && ActionDetails.Parse(a.Details).Temporary));
        }

        return undo;
    }

    /// <summary>Marks the issue of a healing verified <paramref name="verdict"/> mitigated, if it is still open.</summary>
    public void Mitigated(StoredAction action, string? verdict)
    {
        if (action.IssueId is { } issueId && store.Issue(issueId) is { } issue && issue.State == ActionStates.Name(IssueState.Open))
        {
            store.SetIssueState(issue.Id, IssueState.Mitigated);
            store.Audit(HealingCoordinator.Actor, "issue.mitigated", issue.Service, issue.Id, $"{issue.Kind}: healing {action.Id} ({action.Kind}) verified {verdict}");
        }
    }

    internal static string Evidence(IReadOnlyDictionary<string, string>? evidence) =>
        evidence is null || evidence.Count == 0 ? "none" : string.Join(", ", evidence.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key}={e.Value}")));
}
