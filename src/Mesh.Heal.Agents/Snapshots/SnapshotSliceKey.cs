namespace Mesh.Heal.Agents;

/// <summary>Names one typed part of a <see cref="MeshSnapshot"/>: what an agent declares it reads and what a source builds.</summary>
/// <remarks>In the style of grpc-dotnet's <c>BalancerAttributesKey&lt;TValue&gt;</c>: the key carries the slice's type, so
/// <see cref="MeshSnapshot.Get{T}"/> needs no cast. Keys are compared by <see cref="Name"/>.</remarks>
public abstract class SnapshotSliceKey : IEquatable<SnapshotSliceKey>
{
    private protected SnapshotSliceKey(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The slice's name, as error messages give it (<c>edges</c>).</summary>
    public string Name { get; }

    /// <summary>The type of the slice's value.</summary>
    public abstract Type SliceType { get; }

    /// <inheritdoc/>
    public bool Equals(SnapshotSliceKey? other) => other is not null && string.Equals(Name, other.Name, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SnapshotSliceKey);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    /// <summary>The name and the slice's type: <c>edges (EdgesSlice)</c>.</summary>
    public override string ToString() => $"{Name} ({SliceType.Name})";
}

/// <summary>The key of a slice of type <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The slice's type.</typeparam>
/// <param name="name">The slice's name.</param>
public sealed class SnapshotSliceKey<T>(string name) : SnapshotSliceKey(name)
    where T : class
{
    /// <inheritdoc/>
    public override Type SliceType => typeof(T);
}
