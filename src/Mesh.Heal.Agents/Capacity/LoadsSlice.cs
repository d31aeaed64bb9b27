namespace Mesh.Heal.Agents.Capacity;

/// <summary>Demand and scaling history of every service with capacity planning configured.</summary>
public sealed record LoadsSlice
{
    /// <summary>The slice's key.</summary>
    public static readonly SnapshotSliceKey<LoadsSlice> Key = new("loads");

    /// <summary>One load per planned service.</summary>
    public IReadOnlyList<ServiceLoad> Loads { get; init; } = [];

    /// <summary>The load of <paramref name="service"/>, or null when it is not planned.</summary>
    public ServiceLoad? Of(string service) => Loads.FirstOrDefault(l => l.Service == service);
}
