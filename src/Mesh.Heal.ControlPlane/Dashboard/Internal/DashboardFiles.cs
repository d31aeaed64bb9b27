using System.Reflection;
using Microsoft.AspNetCore.StaticFiles;

namespace Mesh.Heal.ControlPlane.Dashboard.Internal;

/// <summary>The dashboard's files, read from resources embedded in an assembly under a prefix (<c>dashboard/index.html</c>,
/// <c>dashboard/assets/app.js</c>), so the control plane serves the page with nothing on disk and no Node at run time.</summary>
/// <remarks>Only the names embedded are served: a path is looked up in that set, never joined onto a directory, so
/// <c>..</c> and the like find nothing.</remarks>
internal sealed class DashboardFiles
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private readonly Assembly _assembly;
    private readonly Dictionary<string, string> _resources;

    public DashboardFiles(Assembly assembly, string prefix)
    {
        _assembly = assembly;
        _resources = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(n => n[prefix.Length..], n => n, StringComparer.Ordinal);
    }

    /// <summary>The files' paths, relative to the page's root.</summary>
    public IReadOnlyCollection<string> Paths => _resources.Keys;

    /// <summary>The Content-Type of <paramref name="path"/> from its extension; <c>application/octet-stream</c> when unknown.</summary>
    /// <remarks>Text types name UTF-8, as the page's files are written.</remarks>
    public static string ContentType(string path) =>
        !ContentTypes.TryGetContentType(path, out var type) ? "application/octet-stream"
        : type.StartsWith("text/", StringComparison.Ordinal) || type is "application/json" or "image/svg+xml" ? type + "; charset=utf-8"
        : type;

    /// <summary>Opens <paramref name="path"/> (relative; empty for <c>index.html</c>), or null when no such file is embedded.</summary>
    public Stream? Open(string path) =>
        _resources.TryGetValue(path.Length == 0 ? "index.html" : path, out var name) ? _assembly.GetManifestResourceStream(name) : null;
}
