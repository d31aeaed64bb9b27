using Mesh.Heal.Agents;
using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Healing.Internal;

/// <summary>Runs every agent for every service of a snapshot, each under <see cref="HealingOptions.AgentBudget"/>.</summary>
/// <remarks>An agent that throws, overruns or returns an invalid output becomes an <c>agent.failed</c> finding of the
/// coordinator's while the others go on.</remarks>
internal sealed class AgentRunner(IReadOnlyList<IHealingAgent> agents, HealingOptions options, TimeProvider time, ILogger logger)
{
    /// <summary>The slices the agents read, each once: all the snapshot needs to hold.</summary>
    public IReadOnlyList<SnapshotSliceKey> Reads { get; } = agents.SelectMany(a => a.Reads).Distinct().ToList();

    /// <summary>Every agent's output for every service, and the agents that failed on any of them.</summary>
    public async Task<(IReadOnlyList<AgentOutput> Outputs, IReadOnlySet<string> Failed)> RunAsync(MeshSnapshot snapshot, CancellationToken cancellationToken)
    {
        var outputs = new List<AgentOutput>();
        var failed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var agent in agents)
        {
            foreach (var service in snapshot.Services)
            {
                var output = await RunAsync(agent, snapshot, service, cancellationToken);
                if (output.Agent != agent.Name)
                {
                    failed.Add(agent.Name);
                }

                outputs.Add(output);
            }
        }

        return (outputs, failed);
    }

    private async Task<AgentOutput> RunAsync(IHealingAgent agent, MeshSnapshot snapshot, string service, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(options.AgentBudget, time);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        string problem;
        try
        {
            var output = await Task.Run(() => agent.Analyze(snapshot, service, budget.Token), budget.Token).WaitAsync(options.AgentBudget, time, cancellationToken);
            var errors = AgentOutputValidator.Validate(output);
            if (errors.Count == 0 && output.Agent == agent.Name && output.Service == service)
            {
                return output;
            }

            problem = errors.Count > 0
                ? "returned an invalid output: " + string.Join("; ", errors)
                : $"returned an output for {output.Agent}/{output.Service}; accepted: {agent.Name}/{service}";
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            problem = $"ran past its budget of {options.AgentBudget.TotalMilliseconds:0} ms";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            problem = $"threw {ex.GetType().Name}: {ex.Message}";
        }

        HealingCoordinator.LogAgentFailed(logger, agent.Name, service, problem);
        var finding = new Finding("agent.failed", agent.Name, $"agent {agent.Name} {problem}; its other findings for {service} are kept as they were", FindingSeverity.Warning, 1)
        {
            Evidence = new Dictionary<string, string>(StringComparer.Ordinal) { ["agent"] = agent.Name, ["problem"] = problem },
        };
        return new AgentOutput(HealingCoordinator.Actor, service, AgentStatus.Warning, snapshot.Time) { Findings = [finding] };
    }
}
