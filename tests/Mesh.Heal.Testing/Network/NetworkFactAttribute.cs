namespace Mesh.Heal.Testing.Network;

/// <summary>A test that makes network namespaces: skipped, with the reason in words, when the run cannot
/// (<see cref="NetworkNamespace.Unavailable"/>); on a root run with iproute2 and iptables it runs.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NetworkFactAttribute : FactAttribute
{
    public NetworkFactAttribute()
    {
        if (NetworkNamespace.Unavailable is { } why)
        {
            Skip = "needs network namespaces: " + why;
        }
    }
}
