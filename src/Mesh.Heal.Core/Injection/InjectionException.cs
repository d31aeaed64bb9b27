namespace Mesh.Heal.Injection;

/// <summary>A pod template cannot be injected; <see cref="Field"/> names the field at fault.</summary>
public sealed class InjectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="field">The field at fault, as a path from the pod template (<c>spec.containers[0].ports</c>).</param>
    /// <param name="reason">What is wrong with it and what is accepted.</param>
    public InjectionException(string field, string reason)
        : base($"{field}: {reason}")
    {
        Field = field;
        Reason = reason;
    }

    /// <summary>The field at fault, as a path from the pod template.</summary>
    public string Field { get; }

    /// <summary>What is wrong with it and what is accepted.</summary>
    public string Reason { get; }
}
