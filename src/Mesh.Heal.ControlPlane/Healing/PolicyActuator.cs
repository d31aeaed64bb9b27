using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Store;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Changes paths in a service's policy document and submits it as a new version, which the distributor pushes to its sidecars.</summary>
/// <remarks>The target is <c>service</c> or <c>service/cluster</c>; the change goes through the same validation as an operator's, so an
/// action can never push a policy an operator could not.</remarks>
internal sealed class PolicyActuator(MeshStore store, PolicyService policies) : IActuator
{
    public string Name => "policy";

    public Task<IReadOnlyDictionary<string, string?>> ApplyAsync(
        string target, IReadOnlyDictionary<string, string?> changes, string actor, CancellationToken cancellationToken) =>
        Task.FromResult(Submit(target, changes, actor));

    public Task UndoAsync(string target, IReadOnlyDictionary<string, string?> previous, string actor, CancellationToken cancellationToken)
    {
        Submit(target, previous, actor);
        return Task.CompletedTask;
    }

    private IReadOnlyDictionary<string, string?> Submit(string target, IReadOnlyDictionary<string, string?> changes, string actor)
    {
        var service = target.Split('/')[0];
        var stored = store.Policy(service)
            ?? throw new ActuatorException($"target: service '{service}' has no policy in the control plane; accepted: a service with one (meshctl policy apply)");
        var (document, previous) = PolicyDocument.Patch(stored.Document, changes);
        var result = policies.Submit(document, service, "healing", actor);
        return result.Stored is null
            ? throw new ActuatorException($"changes: the policy they make for '{service}' is invalid: {string.Join("; ", result.Errors)}")
            : previous;
    }
}
