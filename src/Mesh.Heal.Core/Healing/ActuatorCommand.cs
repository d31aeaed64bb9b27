using System.Text.Json.Serialization;

namespace Mesh.Heal.Healing;

/// <summary>What a healing asks an actuator to do, typed: one sealed record per actuator, which the control plane resolves by type.</summary>
/// <remarks>Stored as JSON with a <c>type</c> discriminator (<c>policy</c>, <c>hpa</c>, <c>cleanup</c>, <c>git</c>).</remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(PolicyPatch), "policy")]
[JsonDerivedType(typeof(HpaChange), "hpa")]
[JsonDerivedType(typeof(Cleanup), "cleanup")]
[JsonDerivedType(typeof(PatchReview), "git")]
public abstract record ActuatorCommand
{
    private protected ActuatorCommand()
    {
    }

    /// <summary>The service whose settings (policy, HPA, cleanup, repository) the actuator works with.</summary>
    [JsonIgnore]
    public abstract string Service { get; }

    /// <summary>What it acts on, for operators: a service, an edge (<c>caller/cluster</c>), an instance (<c>service/instance</c>).</summary>
    [JsonIgnore]
    public abstract string Target { get; }

    /// <summary>What it changes, by name and not by value (policy paths, HPA fields), lowercase and ordered: with the kind and target it makes the healing's key.</summary>
    [JsonIgnore]
    public abstract IReadOnlyList<string> Changed { get; }

    /// <summary>The command that undoes it as far as the agent knew the state before, or null when there is none (a cleanup, a review).</summary>
    /// <remarks>The actuator records what it really replaced when it applies, and its undo puts that back; this is the plan shown beforehand.</remarks>
    [JsonIgnore]
    public abstract ActuatorCommand? Inverse { get; }

    /// <summary>How it is undone, in one sentence for an operator.</summary>
    public abstract string DescribeUndo();

    /// <summary>Every problem with the command, by field and what is accepted; empty when an actuator may be given it.</summary>
    public abstract IReadOnlyList<(string Field, string Message)> Validate();
}
