using System.Globalization;
using System.Text.Json;
using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Healing.Internal;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Runs every agent for every service, merges their findings into issues, and turns their actions into healings
/// that are applied, verified, and rolled back when they make things worse.</summary>
/// <remarks>
/// It knows nothing of any agent: it runs <see cref="IHealingAgent"/>s on a <see cref="MeshSnapshot"/>, each under
/// <see cref="HealingOptions.AgentBudget"/>, and an agent that throws, overruns or returns an invalid output becomes an
/// <c>agent.failed</c> finding while the others go on. An issue no agent reports for <see cref="HealingOptions.ResolveAfter"/>
/// is resolved, and its temporary healings undone. An action up to <see cref="HealingOptions.AutoApplyRisk"/> (low by
/// default) is applied at once unless a dry-run covers it; the rest wait for <c>approve</c>. The same healing (<see cref="HealingAction.Key"/>) is not proposed again while one is
/// pending or in force, nor within <see cref="HealingOptions.Cooldown"/> of being rolled back or rejected. Every step is
/// written to the audit log with its evidence.
/// </remarks>
internal sealed partial class HealingCoordinator : BackgroundService
{
    public const string Actor = "coordinator";
    private const int MinimumVerdictRequests = 10;
    private const string ResolvedReason = "the issue resolved: a temporary healing is undone";

    private readonly IReadOnlyList<IHealingAgent> _agents;
    private readonly ActuatorDispatcher _actuators;
    private readonly SnapshotBuilder _snapshots;
    private readonly MeshStore _store;
    private readonly TelemetryAggregator _telemetry;
    private readonly AnomalyMonitor _anomalies;
    private readonly HealingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<HealingCoordinator> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Dictionary<string, Task> _reviews = new(StringComparer.Ordinal);

    public HealingCoordinator(
        IEnumerable<IHealingAgent> agents, ActuatorDispatcher actuators, SnapshotBuilder snapshots, MeshStore store, TelemetryAggregator telemetry,
        AnomalyMonitor anomalies, IOptions<ControlPlaneOptions> options, TimeProvider time, ILogger<HealingCoordinator> logger)
    {
        _agents = agents.ToList();
        _actuators = actuators;
        _snapshots = snapshots;
        _store = store;
        _telemetry = telemetry;
        _anomalies = anomalies;
        _options = options.Value.Healing;
        _time = time;
        _logger = logger;
    }

    /// <summary>The newest output of each agent for each service, for the status view.</summary>
    public IReadOnlyDictionary<(string Agent, string Service), AgentOutput> Outputs { get; private set; } = new Dictionary<(string, string), AgentOutput>();

    /// <summary>Runs the agents soon (a state change, an approval) rather than at the next tick.</summary>
    public void Wake() => _wake.Release();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        _telemetry.StateChanged += OnStateChanged;
        _anomalies.Anomalous += OnAnomalous;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRunFailed(_logger, ex);
                }

                using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(Task.Delay(_options.Interval, _time, tick.Token), _wake.WaitAsync(tick.Token));
                await tick.CancelAsync();
                while (_wake.CurrentCount > 0)
                {
                    await _wake.WaitAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _telemetry.StateChanged -= OnStateChanged;
            _anomalies.Anomalous -= OnAnomalous;
        }
    }

    /// <summary>One run: agents, issues, proposals, approved healings applied, applied ones verified.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var snapshot = await _snapshots.BuildAsync(cancellationToken);
            var outputs = new List<AgentOutput>();
            var failed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var agent in _agents)
            {
                foreach (var service in snapshot.Services)
                {
                    var output = await RunAgentAsync(agent, snapshot, service, cancellationToken);
                    if (output.Agent != agent.Name)
                    {
                        failed.Add(agent.Name);
                    }

                    outputs.Add(output);
                }
            }

            Outputs = outputs.Where(o => o.Agent != Actor).ToDictionary(o => (o.Agent, o.Service));
            var issues = RecordIssues(outputs, snapshot.Time);
            await ResolveAsync(issues, failed, snapshot.Time, cancellationToken);
            foreach (var output in outputs)
            {
                foreach (var action in output.Actions)
                {
                    Propose(output, action, issues, snapshot.Time);
                }
            }

            foreach (var approved in _store.Actions(null, ActionStates.Approved, 1000).OrderBy(a => a.CreatedAt))
            {
                if (ActionDetails.Parse(approved.Details).Review)
                {
                    StartReview(approved, cancellationToken);
                    continue;
                }

                await ApplyAsync(approved, cancellationToken);
            }

            foreach (var applied in _store.Actions(null, ActionStates.Applied, 1000))
            {
                await VerifyAsync(applied, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Undoes a healing an operator asked to roll back.</summary>
    /// <returns>The action after, or null when there is none with that id; the bool is false when it was in no state to roll back.</returns>
    public async Task<(StoredAction? Action, bool Moved)> RollbackAsync(string id, string actor, string reason, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var action = _store.Action(id);
            var (from, _) = ActionStates.Transition("rollback");
            if (action is null || !from.Contains(action.State))
            {
                return (action, false);
            }

            await UndoAsync(action, actor, "rolled back by " + actor + (reason.Length == 0 ? string.Empty : ": " + reason), worse: false, cancellationToken);
            return (_store.Action(id), true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Waits for the reviews being opened now (tests use it to see one through).</summary>
    internal Task ReviewsAsync()
    {
        lock (_reviews)
        {
            return Task.WhenAll([.. _reviews.Values]);
        }
    }

    // A review (a patch built and proposed as a pull request) can take minutes: it is opened beside the loop, not in it,
    // so fallbacks and cleanups are not held up by a build.
    private void StartReview(StoredAction action, CancellationToken cancellationToken)
    {
        lock (_reviews)
        {
            if (_reviews.ContainsKey(action.Id))
            {
                return;
            }

            _reviews[action.Id] = Task.Run(async () =>
            {
                try
                {
                    await ApplyAsync(action, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRunFailed(_logger, ex);
                }
                finally
                {
                    lock (_reviews)
                    {
                        _reviews.Remove(action.Id);
                    }

                    Wake();
                }
            }, cancellationToken);
        }
    }

    private void OnStateChanged(string service, string instance) => Wake();

    private void OnAnomalous(string service) => Wake();

    private async Task<AgentOutput> RunAgentAsync(IHealingAgent agent, MeshSnapshot snapshot, string service, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(_options.AgentBudget, _time);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        string problem;
        try
        {
            var output = await Task.Run(() => agent.Analyze(snapshot, service, budget.Token), budget.Token).WaitAsync(_options.AgentBudget, _time, cancellationToken);
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
            problem = $"ran past its budget of {_options.AgentBudget.TotalMilliseconds:0} ms";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            problem = $"threw {ex.GetType().Name}: {ex.Message}";
        }

        LogAgentFailed(_logger, agent.Name, service, problem);
        var finding = new Finding("agent.failed", agent.Name, $"agent {agent.Name} {problem}; its other findings for {service} are kept as they were", FindingSeverity.Warning, 1)
        {
            Evidence = new Dictionary<string, string>(StringComparer.Ordinal) { ["agent"] = agent.Name, ["problem"] = problem },
        };
        return new AgentOutput(Actor, service, AgentStatus.Warning, snapshot.Time) { Findings = [finding] };
    }

    private Dictionary<string, StoredIssue> RecordIssues(List<AgentOutput> outputs, DateTimeOffset now)
    {
        var issues = new Dictionary<string, StoredIssue>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            foreach (var finding in output.Findings)
            {
                var fingerprint = finding.Fingerprint(output.Agent, output.Service);
                var before = _store.Issues(null, null, 1, fingerprint).FirstOrDefault();
                var details = JsonSerializer.Serialize(new
                {
                    confidence = finding.Confidence,
                    evidence = finding.Evidence,
                    agent = output.Agent,
                });
                var issue = _store.UpsertIssue(
                    fingerprint, output.Service, [output.Service, .. finding.Services.Where(s => s != output.Service)], finding.Kind,
                    finding.Severity.ToString().ToLowerInvariant(), finding.Summary, details);
                issues[fingerprint] = issue;
                if (before is null || before.State == "resolved")
                {
                    _store.Audit(output.Agent, before is null ? "issue.opened" : "issue.reopened", output.Service, issue.Id,
                        $"{finding.Kind} {finding.Subject}: {finding.Summary}; confidence {finding.Confidence:0.00}; evidence {Evidence(finding.Evidence)}");
                }
            }
        }

        return issues;
    }

    private async Task ResolveAsync(Dictionary<string, StoredIssue> seen, HashSet<string> failedAgents, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var issue in _store.Issues(null, "open", 10_000).Concat(_store.Issues(null, "mitigated", 10_000)))
        {
            var agent = IssueFingerprint.Parse(issue.Fingerprint).Agent;
            if (seen.ContainsKey(issue.Fingerprint) || failedAgents.Contains(agent) || now - issue.LastSeen < _options.ResolveAfter)
            {
                continue;
            }

            _store.SetIssueState(issue.Id, "resolved");
            _store.Audit(Actor, "issue.resolved", issue.Service, issue.Id,
                $"{issue.Kind}: not reported for {(now - issue.LastSeen).TotalSeconds:0} s (after {issue.Occurrences} occurrences since {issue.FirstSeen:O})");
            foreach (var action in _store.Actions(null, null, 100, issueId: issue.Id).Where(a => a.State is ActionStates.Applied or ActionStates.Succeeded))
            {
                if (ActionDetails.Parse(action.Details).Temporary)
                {
                    await UndoAsync(action, Actor, ResolvedReason, worse: false, cancellationToken);
                }
            }
        }
    }

    private void Propose(AgentOutput output, HealingAction action, Dictionary<string, StoredIssue> issues, DateTimeOffset now)
    {
        var latest = _store.Actions(null, null, 1, key: action.Key).FirstOrDefault();
        if (latest is not null)
        {
            var pending = latest.State is ActionStates.Proposed or ActionStates.Approved or ActionStates.Applied
                || (latest.State == ActionStates.Succeeded && !ActionDetails.Parse(latest.Details).OneShot);
            // Undone because its issue resolved: free to come back with the issue. Undone for any other reason: not for a while.
            var cooling = latest.State is ActionStates.Rejected or ActionStates.Failed
                || (latest.State == ActionStates.RolledBack && ActionDetails.Parse(latest.Details).Verdict != ResolvedReason);
            if (pending || (cooling && now - latest.UpdatedAt < _options.Cooldown))
            {
                return;
            }
        }

        var finding = output.Findings.FirstOrDefault(f => f.Kind == action.FindingKind && f.Subject == action.FindingSubject);
        var issue = finding is null ? null : issues.GetValueOrDefault(finding.Fingerprint(output.Agent, output.Service));
        var dryRun = _options.DryRun || _options.DryRunServices.Contains(output.Service, StringComparer.Ordinal)
            || _options.DryRunAgents.Contains(output.Agent, StringComparer.Ordinal);
        var automatic = action.AppliesAutomatically(dryRun, _options.AutoApplyRisk);
        var details = ActionDetails.From(action, finding);
        if (action.Command is PatchReview review && issue is not null)
        {
            // A review cites its issue (the commit, the pull request): the store's id is known here, not to the agent.
            details.Command = review with { IssueId = issue.Id };
        }

        var stored = _store.AddAction(
            issue?.Id, output.Service, output.Agent, action.Kind, action.Description, action.Risk.ToString().ToLowerInvariant(), automatic, dryRun,
            action.Diff ?? string.Empty, action.RollbackPlan, action.Key, details.ToJson());
        var why = dryRun && action.AppliesAutomatically(false, _options.AutoApplyRisk)
            ? "dry-run: would apply automatically, nothing applied"
            : automatic && action.Review ? $"a review ({stored.Risk} risk to merge): opening it automatically; a person merges it"
            : automatic ? $"{stored.Risk} risk: applying automatically" : $"{stored.Risk} risk: waiting for approval";
        _store.Audit(output.Agent, dryRun ? "action.dry-run" : "action.proposed", output.Service, stored.Id,
            $"{action.Kind} on {action.Target}: {action.Description}; {why}; diff {action.Diff ?? "none"}; evidence {Evidence(finding?.Evidence)}");
    }

    private async Task ApplyAsync(StoredAction action, CancellationToken cancellationToken)
    {
        var details = ActionDetails.Parse(action.Details);
        var now = _time.GetUtcNow();
        try
        {
            var command = details.Command ?? throw new ActuatorException("command: the action was stored before commands were typed; propose it again");
            details.Before = Signal(details.Signal, now - _options.VerificationWindow, now.AddTicks(1));
            details.Undo = await _actuators.ApplyAsync(command, Actor, cancellationToken);
            details.AppliedAt = now;
            _store.SetActionDetails(action.Id, details.ToJson());
            _store.MoveAction(action.Id, [ActionStates.Approved], ActionStates.Applied);
            _store.Audit(Actor, "action.applied", action.Service, action.Id,
                $"{action.Kind} on {details.Target}: {action.Diff}; signal before ({string.Join(", ", details.Signal)}): {details.Before}; verifying over {_options.VerificationWindow.TotalSeconds:0} s after {_options.VerificationSettle.TotalSeconds:0} s");
            LogApplied(_logger, action.Id, action.Kind, details.Target);
        }
        catch (ActuatorException ex)
        {
            details.Verdict = ex.Message;
            _store.SetActionDetails(action.Id, details.ToJson());
            _store.MoveAction(action.Id, [ActionStates.Approved], ActionStates.Failed);
            _store.Audit(Actor, "action.failed", action.Service, action.Id, $"{action.Kind} on {details.Target}: {ex.Message}");
        }
    }

    private async Task VerifyAsync(StoredAction action, CancellationToken cancellationToken)
    {
        var details = ActionDetails.Parse(action.Details);
        if (details.Review)
        {
            // A pull request changes nothing that serves: there is no outcome to measure, and the issue stays open until the fix ships.
            details.Verdict = "a review: nothing in force to verify";
            _store.SetActionDetails(action.Id, details.ToJson());
            _store.MoveAction(action.Id, [ActionStates.Applied], ActionStates.Succeeded);
            _store.Audit(Actor, "action.verified", action.Service, action.Id, $"{action.Kind} on {details.Target}: {details.Verdict}");
            return;
        }

        var from = details.AppliedAt!.Value + _options.VerificationSettle;
        var to = from + _options.VerificationWindow;
        if (_time.GetUtcNow() < to)
        {
            return;
        }

        var before = details.Before ?? new SignalReading(0, 0);
        var after = details.After = Signal(details.Signal, from, to);
        var judged = after.Requests >= MinimumVerdictRequests && before.Requests >= MinimumVerdictRequests;
        var worse = judged && after.Ratio > before.Ratio + _options.WorseMargin;
        if (worse)
        {
            details.Verdict = "worse";
            _store.SetActionDetails(action.Id, details.ToJson());
            await UndoAsync(action, Actor, $"caller failures rose from {before} to {after}: rolled back automatically", worse: true, cancellationToken);
            return;
        }

        details.Verdict = !judged ? "too little traffic to judge; kept" : after.Ratio < before.Ratio ? "better" : "no worse";
        _store.SetActionDetails(action.Id, details.ToJson());
        _store.MoveAction(action.Id, [ActionStates.Applied], ActionStates.Succeeded);
        _store.Audit(Actor, "action.verified", action.Service, action.Id, $"{action.Kind} on {details.Target}: {details.Verdict}; before {before}, after {after}");
        if (action.IssueId is { } issueId && _store.Issue(issueId) is { State: "open" } issue)
        {
            _store.SetIssueState(issue.Id, "mitigated");
            _store.Audit(Actor, "issue.mitigated", issue.Service, issue.Id, $"{issue.Kind}: healing {action.Id} ({action.Kind}) verified {details.Verdict}");
        }
    }

    private async Task UndoAsync(StoredAction action, string actor, string reason, bool worse, CancellationToken cancellationToken)
    {
        // The stored details, not the caller's copy: verification may just have added its figures.
        var details = ActionDetails.Parse((_store.Action(action.Id) ?? action).Details);
        try
        {
            if (details.Undo is { } undo && details.Command is { } command)
            {
                await _actuators.UndoAsync(command, undo, actor, cancellationToken);
            }

            details.Verdict = worse ? "worse" : reason;
            _store.SetActionDetails(action.Id, details.ToJson());
            _store.MoveAction(action.Id, [ActionStates.Applied, ActionStates.Succeeded, ActionStates.Failed], ActionStates.RolledBack);
            _store.Audit(actor, "action.rolled-back", action.Service, action.Id, $"{action.Kind} on {details.Target}: {reason}");
            LogRolledBack(_logger, action.Id, action.Kind, reason);
        }
        catch (ActuatorException ex)
        {
            _store.MoveAction(action.Id, [ActionStates.Applied, ActionStates.Succeeded], ActionStates.Failed);
            _store.Audit(actor, "action.rollback-failed", action.Service, action.Id, $"{action.Kind} on {details.Target}: {ex.Message}");
        }
    }

    private SignalReading Signal(IReadOnlyCollection<EdgeId> edges, DateTimeOffset from, DateTimeOffset to)
    {
        long requests = 0, failures = 0;
        foreach (var (live, cluster, counts, _) in _telemetry.Window(from, to))
        {
            if (edges.Contains(new EdgeId(live.Service, cluster)))
            {
                requests += counts.Requests;
                failures += counts.CallerFailures;
            }
        }

        return new SignalReading(requests, failures);
    }

    private static string Evidence(IReadOnlyDictionary<string, string>? evidence) =>
        evidence is null || evidence.Count == 0 ? "none" : string.Join(", ", evidence.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key}={e.Value}")));
}
