using System.Text.Json.Serialization;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Git;
using Mesh.Heal.ControlPlane.Resources;

namespace Mesh.Heal.ControlPlane.Healing;

/// <summary>What an actuator recorded when it applied a command: the state its undo puts back. Stored with the action, with a <c>type</c> discriminator.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(PolicyUndo), "policy")]
[JsonDerivedType(typeof(HpaUndo), "hpa")]
[JsonDerivedType(typeof(CleanupUndo), "cleanup")]
[JsonDerivedType(typeof(ReviewUndo), "git")]
internal abstract record ActuatorUndo;
