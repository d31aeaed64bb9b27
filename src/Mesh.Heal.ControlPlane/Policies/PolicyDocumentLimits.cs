namespace Mesh.Heal.ControlPlane.Policies;

/// <summary>Bounds on what reading one policy document may cost, checked while the document is read, never after.</summary>
/// <param name="MaxBytes">The largest document, in UTF-8 bytes (<c>ControlPlane:Limits:MaxPolicyBytes</c>).</param>
/// <param name="MaxDepth">The deepest nesting of mappings and lists (<c>ControlPlane:Limits:MaxPolicyDepth</c>).</param>
/// <param name="MaxNodes">The most nodes (keys, values, mappings, lists), counting every node an alias repeats (<c>ControlPlane:Limits:MaxPolicyNodes</c>).</param>
/// <param name="MaxAliases">The most aliases (<c>*name</c>) (<c>ControlPlane:Limits:MaxPolicyAliases</c>).</param>
/// <param name="MaxExpandedChars">The most characters of paths and values after aliases are expanded (<c>ControlPlane:Limits:MaxPolicyExpandedChars</c>).</param>
internal sealed record PolicyDocumentLimits(int MaxBytes, int MaxDepth, int MaxNodes, int MaxAliases, int MaxExpandedChars)
{
    /// <summary>The longest mapping key: cluster ids and header names are far shorter.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>The defaults: 256 KiB, depth 64, 50,000 nodes, 100 aliases, 4 Mi characters expanded.</summary>
    public static PolicyDocumentLimits Default { get; } = new(256 * 1024, 64, 50_000, 100, 4 * 1024 * 1024);
}
