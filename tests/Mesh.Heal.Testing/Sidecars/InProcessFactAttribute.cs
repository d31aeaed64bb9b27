using Mesh.Heal.Chaos;

namespace Mesh.Heal.Sidecar.Tests.Integration;

/// <summary>A test that reaches into an in-process sidecar (its services), so it cannot run against the native executable:
/// skipped, with its reason, when <see cref="SidecarCommand.BinaryVariable"/> is set.</summary>
/// <remarks>Only for what cannot be observed through the admin API or the wire; every use is counted in the skipped total.</remarks>
[AttributeUsage(AttributeTargets.Method)]
public sealed class InProcessFactAttribute : FactAttribute
{
    public InProcessFactAttribute(string reason)
    {
        if (SidecarCommand.Binary is not null)
        {
            Skip = $"in-process only ({SidecarCommand.BinaryVariable} is set): {reason}";
        }
    }
}

/// <summary>The theory form of <see cref="InProcessFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class InProcessTheoryAttribute : TheoryAttribute
{
    public InProcessTheoryAttribute(string reason)
    {
        if (SidecarCommand.Binary is not null)
        {
            Skip = $"in-process only ({SidecarCommand.BinaryVariable} is set): {reason}";
        }
    }
}
