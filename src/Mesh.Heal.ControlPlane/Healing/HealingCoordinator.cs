using Mesh.Heal.Agents;
using Mesh.Heal.ControlPlane.Healing.Internal;
using Mesh.Heal.ControlPlane.Replication;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Runs every agent for every service, merges their findings into issues, and turns their actions into healings
/// that are applied, verified, and rolled back when they make things worse.</summary>
/// <remarks>
/// Four parts, one run after the other: the <see cref="AgentRunner"/> (every agent under its budget; a failing one becomes an
/// <c>agent.failed</c> finding), the <see cref="IssueTracker"/> (issues by fingerprint; one no agent reports for
/// <see cref="HealingOptions.ResolveAfter"/> is resolved and its temporary healings undone), the <see cref="ProposalPolicy"/>
/// (dedupe, cooldown, automatic up to <see cref="HealingOptions.AutoApplyRisk"/>, dry-run) and the <see cref="ActionExecutor"/>
/// (apply, verify, undo; a failure of one action fails that action only). Every step is written to the audit log with its evidence.
/// Only the leader runs (<see cref="LeaderElection"/>): each run acts under the leader's term (<see cref="Fence"/>), so every store write
/// it makes is refused once another replica took the lease, and a lost term stops the loop at once.
/// </remarks>
internal sealed partial class HealingCoordinator : BackgroundService
{
    public const string Actor = "coordinator";

    private readonly SnapshotBuilder _snapshots;
    private readonly MeshStore _store;
    private readonly TelemetryAggregator _telemetry;
    private readonly AnomalyMonitor _anomalies;
    private readonly HealingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<HealingCoordinator> _logger;
    private readonly AgentRunner _agents;
    private readonly IssueTracker _issues;
    private readonly ProposalPolicy _proposals;
    private readonly ActionExecutor _executor;
    private readonly LeaderElection? _leadership;
    private readonly IRunObserver[] _observers;

    // Serializes what changes healings (a run's store writes and actuator calls, an operator's rollback), so an action is never
    // applied, verified and undone at once.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Dictionary<string, Task> _reviews = new(StringComparer.Ordinal);

    public HealingCoordinator(
        IEnumerable<IHealingAgent> agents, ActuatorDispatcher actuators, SnapshotBuilder snapshots, MeshStore store, TelemetryAggregator telemetry,
        AnomalyMonitor anomalies, IOptions<HealingOptions> options, TimeProvider time, ILogger<HealingCoordinator> logger, LeaderElection? leadership = null,
        IEnumerable<IRunObserver>? observers = null)
    {
        _leadership = leadership;
        _observers = [.. observers ?? []];
        _snapshots = snapshots;
        _store = store;
        _telemetry = telemetry;
        _anomalies = anomalies;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _agents = new AgentRunner([.. agents], _options, time, logger);
        _issues = new IssueTracker(store, _options);
        _proposals = new ProposalPolicy(store, _options);
        _executor = new ActionExecutor(actuators, store, telemetry, _options, time, logger);
    }

    /// <summary>The newest output of each agent for each service, for the status view.</summary>
    public IReadOnlyDictionary<(string Agent, string Service), AgentOutput> Outputs { get; private set; } = new Dictionary<(string, string), AgentOutput>();

    /// <summary>Runs the agents soon (a state change, an approval) rather than at the next tick.</summary>
    public void Wake() => _wake.Release();

    /// <summary>One run: agents, issues, proposals, approved healings applied, applied ones verified, then the run observers (replica history).</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        // Reading the mesh and running the agents change nothing: they need no gate.
        var snapshot = await _snapshots.BuildAsync(_agents.Reads, cancellationToken);
        var (outputs, failed) = await _agents.RunAsync(snapshot, cancellationToken);
        Outputs = outputs.Where(o => o.Agent != Actor).ToDictionary(o => (o.Agent, o.Service));

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var issues = _issues.Record(outputs);
            foreach (var temporary in _issues.Resolve(issues, failed, snapshot.Time))
            {
                await _executor.UndoAsync(temporary, Actor, UndoReason.IssueResolved, HealingLifecycle.ResolvedSentence, cancellationToken);
            }

            foreach (var output in outputs)
            {
                foreach (var action in output.Actions)
                {
                    _proposals.Propose(output, action, issues, snapshot.Time);
                }
            }

            foreach (var approved in _store.Actions(ActionState.Approved, 1000).OrderBy(a => a.CreatedAt))
            {
                if (ActionDetails.Parse(approved.Details).Review)
                {
                    StartReview(approved, cancellationToken);
                }
                else
                {
                    await _executor.ApplyAsync(approved, cancellationToken);
                }
            }

            foreach (var applied in _store.Actions(ActionState.Applied, 1000))
            {
                if (await _executor.VerifyAsync(applied, cancellationToken) is { } verdict)
                {
                    _issues.Mitigated(applied, verdict);
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        // Last, so a history that cannot be written never holds up a healing.
        foreach (var observer in _observers)
        {
            observer.Observe(snapshot.Time, outputs);
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
            if (action is null || !HealingLifecycle.Transition("rollback").From.Contains(HealingLifecycle.StateOf(action)))
            {
                return (action, false);
            }

            var why = "rolled back by " + actor + (reason.Length == 0 ? string.Empty : ": " + reason);
            await _executor.UndoAsync(action, actor, UndoReason.Operator, why, cancellationToken);
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
                var term = _leadership is null ? null : await _leadership.WaitForTermAsync(stoppingToken);
                using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, term?.Lost ?? CancellationToken.None);
                try
                {
                    await LeadAsync(term, leading.Token);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // The term ended: wait to be elected again.
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

    // Runs on schedule and on events for as long as the term lasts (for ever without an election).
    private async Task LeadAsync(LeaderTerm? term, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using (Fence.Enter(term))
                {
                    await RunOnceAsync(cancellationToken);
                }

                if (term is not null)
                {
                    _leadership!.RunCompleted(term);
                }
            }
            catch (LeadershipLostException ex)
            {
                LogFenced(_logger, ex.Holder, ex.Epoch, ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRunFailed(_logger, ex);
            }

            using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(Task.Delay(_options.Interval, _time, tick.Token), _wake.WaitAsync(tick.Token));
            await tick.CancelAsync();
            while (_wake.CurrentCount > 0)
            {
                await _wake.WaitAsync(cancellationToken);
            }
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
                    await _executor.ApplyAsync(action, cancellationToken);
                }
                catch (LeadershipLostException ex)
                {
                    LogFenced(_logger, ex.Holder, ex.Epoch, ex.Message);
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
}
