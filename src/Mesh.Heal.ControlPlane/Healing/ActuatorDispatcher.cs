using Mesh.Heal.ControlPlane.Replication;
using Mesh.Heal.Healing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>Hands a command to the actuator registered for its runtime type.</summary>
/// <remarks>Under a leader's term (<see cref="Fence"/>), the lease must still be held with a renew interval to spare just before an
/// actuator is called, or <see cref="LeadershipLostException"/> is thrown: an actuator that acts outside the store (Kubernetes, git, a
/// webhook) cannot be fenced by the store's transaction.</remarks>
internal sealed class ActuatorDispatcher(IEnumerable<ActuatorBinding> bindings)
{
    private readonly Dictionary<Type, ActuatorBinding> _bindings = bindings.ToDictionary(b => b.Command);

    /// <summary>Applies <paramref name="command"/> with its actuator; returns what undoing it needs.</summary>
    /// <exception cref="ActuatorException">No actuator handles the command's type, or the actuator could not apply it.</exception>
    public Task<ActuatorUndo> ApplyAsync(ActuatorCommand command, string actor, CancellationToken cancellationToken)
    {
        var binding = Binding(command);
        Fence.Current?.EnsureValid();
        return binding.Apply(command, actor, cancellationToken);
    }

    /// <summary>Undoes <paramref name="command"/> with what its actuator recorded when it applied it.</summary>
    public Task UndoAsync(ActuatorCommand command, ActuatorUndo undo, string actor, CancellationToken cancellationToken)
    {
        var binding = Binding(command);
        Fence.Current?.EnsureValid();
        return binding.Undo(command, undo, actor, cancellationToken);
    }

    private ActuatorBinding Binding(ActuatorCommand command) =>
        _bindings.GetValueOrDefault(command.GetType())
        ?? throw new ActuatorException($"command: no actuator handles {command.GetType().Name}; registered: {string.Join(", ", _bindings.Keys.Select(t => t.Name).Order(StringComparer.Ordinal))}");
}

/// <summary>One actuator, typed, behind the untyped calls of <see cref="ActuatorDispatcher"/>.</summary>
internal sealed class ActuatorBinding
{
    private ActuatorBinding(
        Type command, Func<ActuatorCommand, string, CancellationToken, Task<ActuatorUndo>> apply, Func<ActuatorCommand, ActuatorUndo, string, CancellationToken, Task> undo)
    {
        Command = command;
        Apply = apply;
        Undo = undo;
    }

    public Type Command { get; }

    public Func<ActuatorCommand, string, CancellationToken, Task<ActuatorUndo>> Apply { get; }

    public Func<ActuatorCommand, ActuatorUndo, string, CancellationToken, Task> Undo { get; }

    public static ActuatorBinding For<TCommand, TUndo>(IActuator<TCommand, TUndo> actuator)
        where TCommand : ActuatorCommand
        where TUndo : ActuatorUndo =>
        new(
            typeof(TCommand),
            async (command, actor, cancellationToken) => await actuator.ApplyAsync((TCommand)command, actor, cancellationToken),
            (command, undo, actor, cancellationToken) => undo is TUndo typed
                ? actuator.UndoAsync((TCommand)command, typed, actor, cancellationToken)
                : throw new ActuatorException($"undo: {typeof(TCommand).Name} is undone with a {typeof(TUndo).Name}, not a {undo.GetType().Name}"));
}

/// <summary>Registers actuators by the command type they carry out.</summary>
internal static class ActuatorServiceCollectionExtensions
{
    /// <summary>Registers <typeparamref name="TActuator"/> (already registered itself) as the actuator of <typeparamref name="TCommand"/>.</summary>
    public static IServiceCollection AddActuator<TCommand, TUndo, TActuator>(this IServiceCollection services)
        where TCommand : ActuatorCommand
        where TUndo : ActuatorUndo
        where TActuator : class, IActuator<TCommand, TUndo>
    {
        services.TryAddSingleton<IActuator<TCommand, TUndo>>(sp => sp.GetRequiredService<TActuator>());
        services.AddSingleton(sp => ActuatorBinding.For(sp.GetRequiredService<IActuator<TCommand, TUndo>>()));
        services.TryAddSingleton<ActuatorDispatcher>();
        return services;
    }
}
