namespace Mesh.Heal.Agents.Anomalies.Internal;

/// <summary>Compares sorted fact sets by content, as the reference's tuple keys do.</summary>
internal sealed class FactsComparer : IEqualityComparer<long[]>
{
    public static readonly FactsComparer Instance = new();

    public bool Equals(long[]? x, long[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(long[] obj)
    {
        var hash = default(HashCode);
        foreach (var fact in obj)
        {
            hash.Add(fact);
        }

        return hash.ToHashCode();
    }
}
