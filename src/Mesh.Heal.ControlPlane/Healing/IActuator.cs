using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Carries out one family of healing actions; it decides nothing (the coordinator does).</summary>
internal interface IActuator
{
    /// <summary>The name actions give in <see cref="HealingAction.Actuator"/>.</summary>
    string Name { get; }

    /// <summary>Applies <paramref name="changes"/> to <paramref name="target"/>; returns what <see cref="UndoAsync"/> needs to put it back.</summary>
    /// <exception cref="ActuatorException">The change could not be made; nothing was changed.</exception>
    Task<IReadOnlyDictionary<string, string?>> ApplyAsync(string target, IReadOnlyDictionary<string, string?> changes, string actor, CancellationToken cancellationToken);

    /// <summary>Puts back what <see cref="ApplyAsync"/> returned.</summary>
    /// <exception cref="ActuatorException">The undo could not be made.</exception>
    Task UndoAsync(string target, IReadOnlyDictionary<string, string?> previous, string actor, CancellationToken cancellationToken);
}

/// <summary>An actuator could not carry out an action; the message says why, naming the field.</summary>
internal sealed class ActuatorException(string message) : Exception(message);
