using Mesh.Heal.ControlPlane.Replication;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Healing.Internal;

/// <summary>Applies approved healings through their actuators, verifies applied ones on their signal, and undoes them.</summary>
/// <remarks>
/// Any failure of one action (an <see cref="ActuatorException"/> or any other exception) fails that action, with its reason
/// recorded and audited, and returns: the run goes on with the next action and the verifications. Only the run's own
/// cancellation and a lost lease (<see cref="LeadershipLostException"/>) go through.
/// </remarks>
internal sealed class ActionExecutor(
    ActuatorDispatcher actuators, MeshStore store, TelemetryAggregator telemetry, HealingOptions options, TimeProvider time, ILogger logger)
{
    private const int MinimumVerdictRequests = 10;

    /// <summary>Applies an approved action; it ends applied, or failed with the reason.</summary>
    public async Task ApplyAsync(StoredAction action, CancellationToken cancellationToken)
    {
        var details = ActionDetails.Parse(action.Details);
        var now = time.GetUtcNow();
        try
        {
            var command = details.Command ?? throw new ActuatorException("command: the stored action has none that can be read; propose it again");
            details.Before = Signal(details.Signal, now - options.VerificationWindow, now.AddTicks(1));
            details.Undo = await actuators.ApplyAsync(command, HealingCoordinator.Actor, cancellationToken);
            details.AppliedAt = now;
            store.SetActionDetails(action.Id, details.ToJson());
            store.MoveAction(action.Id, [ActionState.Approved], ActionState.Applied);
            store.Audit(HealingCoordinator.Actor, "action.applied", action.Service, action.Id,
                $"{action.Kind} on {details.Target}: {action.Diff}; signal before ({string.Join(", ", details.Signal)}): {details.Before}; verifying over {options.VerificationWindow.TotalSeconds:0} s after {options.VerificationSettle.TotalSeconds:0} s");
            HealingCoordinator.LogApplied(logger, action.Id, action.Kind, details.Target);
        }
        catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
        {
            Fail(action, details, ActionState.Approved, "applying", ex);
        }
    }

    /// <summary>Judges an applied action once its verification window has passed; returns the verdict's words when it was
    /// kept (its issue is then mitigated), null when it is not judged yet, was undone, or failed.</summary>
    public async Task<string?> VerifyAsync(StoredAction action, CancellationToken cancellationToken)
    {
        var details = ActionDetails.Parse(action.Details);
        try
        {
            if (details.Review)
            {
                // A pull request changes nothing that serves: there is no outcome to measure, and the issue stays open until the fix ships.
                details.Verdict = Verdict.ReviewOpened;
                Succeed(action, details, string.Empty);
                return null;
            }

            var from = (details.AppliedAt ?? throw new InvalidOperationException("an applied action has no time of applying")) + options.VerificationSettle;
            var to = from + options.VerificationWindow;
            if (time.GetUtcNow() < to)
            {
                return null;
            }

            var before = details.Before ?? new SignalReading(0, 0);
            var after = details.After = Signal(details.Signal, from, to);
            var judged = after.Requests >= MinimumVerdictRequests && before.Requests >= MinimumVerdictRequests;
            if (judged && after.Ratio > before.Ratio + options.WorseMargin)
            {
                details.Verdict = Verdict.Worse;
                store.SetActionDetails(action.Id, details.ToJson());
                await UndoAsync(action, HealingCoordinator.Actor, UndoReason.Worse, $"caller failures rose from {before} to {after}: rolled back automatically", cancellationToken);
                return null;
            }

            details.Verdict = !judged ? Verdict.TooLittleTraffic : after.Ratio < before.Ratio ? Verdict.Better : Verdict.NoWorse;
            Succeed(action, details, $"; before {before}, after {after}");
            return details.VerdictText;
        }
        catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
        {
            Fail(action, details, ActionState.Applied, "verifying", ex);
            return null;
        }
    }

    /// <summary>Undoes an action through its actuator and records why; when the actuator cannot, the action fails instead.</summary>
    public async Task UndoAsync(StoredAction action, string actor, UndoReason why, string reason, CancellationToken cancellationToken)
    {
        // The stored details, not the caller's copy: verification may just have added its figures.
        var details = ActionDetails.Parse((store.Action(action.Id) ?? action).Details);
        try
        {
            if (details.Undo is { } undo && details.Command is { } command)
            {
                await actuators.UndoAsync(command, undo, actor, cancellationToken);
            }

            details.Verdict = Verdict.Undone;
            details.UndoReason = why;
            details.Reason = reason;
            store.SetActionDetails(action.Id, details.ToJson());
            store.MoveAction(action.Id, [ActionState.Applied, ActionState.Succeeded, ActionState.Failed], ActionState.RolledBack);
            store.Audit(actor, "action.rolled-back", action.Service, action.Id, $"{action.Kind} on {details.Target}: {reason}");
            HealingCoordinator.LogRolledBack(logger, action.Id, action.Kind, reason);
        }
        catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
        {
            if (ex is not ActuatorException)
            {
                HealingCoordinator.LogActionFailed(logger, action.Id, action.Kind, "undoing", ex);
            }

            store.MoveAction(action.Id, [ActionState.Applied, ActionState.Succeeded], ActionState.Failed);
            store.Audit(actor, "action.rollback-failed", action.Service, action.Id, $"{action.Kind} on {details.Target}: {Describe(ex)}");
        }
    }

    private void Succeed(StoredAction action, ActionDetails details, string figures)
    {
        store.SetActionDetails(action.Id, details.ToJson());
        store.MoveAction(action.Id, [ActionState.Applied], ActionState.Succeeded);
        store.Audit(HealingCoordinator.Actor, "action.verified", action.Service, action.Id, $"{action.Kind} on {details.Target}: {details.VerdictText}{figures}");
    }

    private void Fail(StoredAction action, ActionDetails details, ActionState from, string step, Exception ex)
    {
        if (ex is not ActuatorException)
        {
            HealingCoordinator.LogActionFailed(logger, action.Id, action.Kind, step, ex);
        }

        details.Verdict = Verdict.Failed;
        details.Reason = Describe(ex);
        store.SetActionDetails(action.Id, details.ToJson());
        store.MoveAction(action.Id, [from], ActionState.Failed);
        store.Audit(HealingCoordinator.Actor, "action.failed", action.Service, action.Id, $"{action.Kind} on {details.Target}: {details.Reason}");
    }

    // An actuator's own error names the field; anything else is a bug or an outage, named by its type.
    private static string Describe(Exception ex) => ex is ActuatorException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";

    // A lost lease is no failure of the action: the run stops, and the new leader takes the action over from the store as it is.
    private static bool IsCancellation(Exception ex, CancellationToken cancellationToken) =>
        ex is LeadershipLostException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private SignalReading Signal(IReadOnlyCollection<EdgeId> edges, DateTimeOffset from, DateTimeOffset to)
    {
        long requests = 0, failures = 0;
        foreach (var (live, cluster, counts, _) in telemetry.Window(from, to))
        {
            if (edges.Contains(new EdgeId(live.Service, cluster)))
            {
                requests += counts.Requests;
                failures += counts.CallerFailures;
            }
        }

        return new SignalReading(requests, failures);
    }
}
