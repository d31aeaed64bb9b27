using Mesh.Heal.Healing;

namespace Mesh.Heal.Agents.BugFixing;

/// <summary>A change to one file of a service's repository that should stop an error, and what it does.</summary>
/// <param name="Path">The file, relative to the repository root.</param>
/// <param name="Before">Its text at the base revision.</param>
/// <param name="After">Its text with the change.</param>
/// <param name="Description">What the change does, for the pull request and the operator.</param>
public sealed record CandidatePatch(string Path, string Before, string After, string Description)
{
    /// <summary>The change as a unified diff.</summary>
    public string Diff => UnifiedDiff.Create(Path, Before, After);

    /// <summary>How much harm merging it could do, from its size and place: configuration only is low; one guard (up to five
    /// added lines and one changed, in one place) is medium; anything else is high.</summary>
    public ActionRisk Risk
    {
        get
        {
            var (removed, added, regions) = UnifiedDiff.Size(Diff);
            if (IsConfiguration(Path))
            {
                return ActionRisk.Low;
            }

            return regions <= 2 && removed <= 1 && added <= 6 ? ActionRisk.Medium : ActionRisk.High;
        }
    }

    /// <summary>Whether <paramref name="path"/> is configuration rather than code: JSON, YAML, XML config, .env, INI, TOML.</summary>
    public static bool IsConfiguration(string path) =>
        System.IO.Path.GetExtension(path).ToLowerInvariant() is ".json" or ".yaml" or ".yml" or ".config" or ".env" or ".ini" or ".toml" or ".properties";
}
