namespace Mesh.Heal.Policy;

/// <summary>The names of <see cref="MtlsMode"/> values in policies: <c>Permissive</c>, <c>Required</c>.</summary>
public static class MtlsModes
{
    /// <summary>The accepted names, for error messages.</summary>
    public const string Accepted = "Permissive, Required";

    /// <summary>The name of <paramref name="value"/> as written in a policy.</summary>
    public static string ToName(MtlsMode value) => value == MtlsMode.Required ? "Required" : "Permissive";

    /// <summary>Parses a name (case-insensitive, surrounding spaces ignored).</summary>
    public static bool TryParse(string? text, out MtlsMode value)
    {
        value = text?.Trim().ToUpperInvariant() switch
        {
            "PERMISSIVE" => MtlsMode.Permissive,
            "REQUIRED" => MtlsMode.Required,
            _ => (MtlsMode)(-1),
        };
        return Enum.IsDefined(value);
    }
}
