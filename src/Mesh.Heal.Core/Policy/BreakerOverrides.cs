namespace Mesh.Heal.Policy;

/// <summary>The names of <see cref="BreakerOverride"/> values in policies: <c>none</c>, <c>forceOpen</c>, <c>forceClosed</c>, <c>forceFallback</c>.</summary>
public static class BreakerOverrides
{
    /// <summary>The accepted names, for error messages.</summary>
    public const string Accepted = "none, forceOpen, forceClosed, forceFallback";

    /// <summary>The name of <paramref name="value"/> as written in a policy.</summary>
    public static string ToName(BreakerOverride value) => value switch
    {
        BreakerOverride.ForceOpen => "forceOpen",
        BreakerOverride.ForceClosed => "forceClosed",
        BreakerOverride.ForceFallback => "forceFallback",
        _ => "none",
    };

    /// <summary>Parses a name (case-insensitive; empty means none).</summary>
    public static bool TryParse(string? text, out BreakerOverride value)
    {
        value = text?.Trim().ToUpperInvariant() switch
        {
            null or "" or "NONE" => BreakerOverride.None,
            "FORCEOPEN" => BreakerOverride.ForceOpen,
            "FORCECLOSED" => BreakerOverride.ForceClosed,
            "FORCEFALLBACK" => BreakerOverride.ForceFallback,
            _ => (BreakerOverride)(-1),
        };
        return Enum.IsDefined(value);
    }
}
