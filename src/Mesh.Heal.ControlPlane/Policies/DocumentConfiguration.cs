using Microsoft.Extensions.Primitives;

namespace Mesh.Heal.ControlPlane.Policies;

/// <summary>A flattened policy document as configuration, with each node holding its own children.</summary>
/// <remarks>
/// The in-memory configuration provider answers every <c>GetChildren</c> by scanning and sorting all keys, so reading a
/// document of n keys cost O(n²): a 1000-cluster document took seconds. Here a node's children are its own, so the reader's
/// work is linear in the document. Keys compare case-insensitively, as configuration's do; the tree is read-only.
/// </remarks>
internal sealed class DocumentConfiguration : IConfigurationSection
{
    private Dictionary<string, DocumentConfiguration>? _children;

    private DocumentConfiguration(string key, string path)
    {
        Key = key;
        Path = path;
    }

    /// <inheritdoc/>
    public string Key { get; }

    /// <inheritdoc/>
    public string Path { get; }

    /// <inheritdoc/>
    public string? Value { get; set; }

    /// <inheritdoc/>
    public string? this[string key]
    {
        get => Find(key)?.Value;
        set => throw new NotSupportedException("a policy document is read-only");
    }

    /// <summary>Builds the tree of <paramref name="data"/> (paths such as <c>clusters:backend:timeout</c>).</summary>
    public static DocumentConfiguration Build(IEnumerable<KeyValuePair<string, string?>> data)
    {
        var root = new DocumentConfiguration(string.Empty, string.Empty);
        foreach (var (path, value) in data)
        {
            var node = root;
            foreach (var segment in path.Split(':'))
            {
                node._children ??= new(StringComparer.OrdinalIgnoreCase);
                if (!node._children.TryGetValue(segment, out var child))
                {
                    node._children[segment] = child = new DocumentConfiguration(segment, node.Path.Length == 0 ? segment : node.Path + ":" + segment);
                }

                node = child;
            }

            node.Value = value;
        }

        return root;
    }

    /// <inheritdoc/>
    public IEnumerable<IConfigurationSection> GetChildren() =>
        _children is null ? [] : _children.Values.OrderBy(c => c.Key, ConfigurationKeyComparer.Instance);

    /// <inheritdoc/>
    public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);

    /// <inheritdoc/>
    public IConfigurationSection GetSection(string key) =>
        Find(key) ?? new DocumentConfiguration(key.Split(':')[^1], Path.Length == 0 ? key : Path + ":" + key);

    private DocumentConfiguration? Find(string key)
    {
        var node = this;
        foreach (var segment in key.Split(':'))
        {
            if (node._children is null || !node._children.TryGetValue(segment, out node))
            {
                return null;
            }
        }

        return node;
    }
}
