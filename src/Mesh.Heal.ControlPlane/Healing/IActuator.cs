using Mesh.Heal.Healing;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Carries out one type of <see cref="ActuatorCommand"/>; it decides nothing (the coordinator does).</summary>
/// <typeparam name="TCommand">The command it carries out.</typeparam>
/// <typeparam name="TUndo">What it records when it applies, so that its undo can put things back.</typeparam>
internal interface IActuator<in TCommand, TUndo>
    where TCommand : ActuatorCommand
    where TUndo : ActuatorUndo
{
    /// <summary>Applies <paramref name="command"/>; returns what <see cref="UndoAsync"/> needs to put it back.</summary>
    /// <exception cref="ActuatorException">The change could not be made; nothing was changed.</exception>
    Task<TUndo> ApplyAsync(TCommand command, string actor, CancellationToken cancellationToken);

    /// <summary>Puts back what <see cref="ApplyAsync"/> returned.</summary>
    /// <exception cref="ActuatorException">The undo could not be made.</exception>
    Task UndoAsync(TCommand command, TUndo undo, string actor, CancellationToken cancellationToken);
}

/// <summary>An actuator could not carry out an action; the message says why, naming the field.</summary>
internal sealed class ActuatorException(string message) : Exception(message);
