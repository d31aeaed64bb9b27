namespace Mesh.Heal.ControlPlane.Git;

/// <summary>git, or a service's repository, could not do what was asked; the message says why.</summary>
/// <remarks>Thrown by <see cref="GitCli"/> and <see cref="RepositoryIndex"/>, which feed the snapshot as well as the git
/// actuator: the actuator turns it into an <see cref="Healing.ActuatorException"/> at its edge, the index logs it.</remarks>
internal sealed class GitException(string message, Exception? inner = null) : Exception(message, inner);
