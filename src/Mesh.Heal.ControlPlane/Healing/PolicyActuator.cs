using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Changes paths in a service's policy document and submits it as a new version, which the distributor pushes to its sidecars.</summary>
/// <remarks>The change goes through the same validation as an operator's, so an action can never push a policy an operator could not.</remarks>
internal sealed class PolicyActuator(MeshStore store, PolicyService policies) : IActuator<PolicyPatch, PolicyUndo>
{
    public Task<PolicyUndo> ApplyAsync(PolicyPatch command, string actor, CancellationToken cancellationToken) =>
        Task.FromResult(new PolicyUndo(Submit(command.Service, command.Changes.ToDictionary(c => c.Path, c => c.Value, StringComparer.OrdinalIgnoreCase), actor)));

    public Task UndoAsync(PolicyPatch command, PolicyUndo undo, string actor, CancellationToken cancellationToken)
    {
        Submit(command.Service, undo.Previous, actor);
        return Task.CompletedTask;
    }

    private IReadOnlyDictionary<string, string?> Submit(string service, IReadOnlyDictionary<string, string?> changes, string actor)
    {
        var stored = store.Policy(service)
            ?? throw new ActuatorException($"target: service '{service}' has no policy in the control plane; accepted: a service with one (meshctl policy apply)");
        var (document, previous) = PolicyDocument.Patch(stored.Document, changes);
        var result = policies.Submit(document, service, "healing", actor);
        return result.Stored is null
            ? throw new ActuatorException($"changes: the policy they make for '{service}' is invalid: {string.Join("; ", result.Errors)}")
            : previous;
    }
}

/// <summary>What a <see cref="PolicyPatch"/> replaced: each path's value before, null where it was absent.</summary>
internal sealed record PolicyUndo(IReadOnlyDictionary<string, string?> Previous) : ActuatorUndo;
