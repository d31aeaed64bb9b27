using System.Globalization;

namespace Mesh.Heal.Policy;

/// <summary>Parses durations written as <c>hh:mm:ss[.fff]</c> or as a number with a unit (<c>250ms</c>, <c>2s</c>, <c>1m</c>, <c>1h</c>, <c>7d</c>).</summary>
public static class DurationParser
{
    // Below TimeSpan.MaxValue with room for rounding, so TimeSpan.FromMilliseconds cannot overflow.
    private static readonly double MaxMilliseconds = TimeSpan.MaxValue.TotalMilliseconds / 2;

    /// <summary>The longest text read as a duration; longer text is not a duration.</summary>
    internal const int MaxLength = 64;

    /// <summary>Parses <paramref name="text"/>; false when it is not a non-negative duration in one of the accepted forms.</summary>
    /// <remarks>Never throws: a value a <see cref="TimeSpan"/> cannot hold (<c>1e300s</c>, <c>9999999999999d</c>), NaN and infinity are not durations.</remarks>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (text is null || text.Length > MaxLength)
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        if (span.Contains(':') && TimeSpan.TryParse(span, CultureInfo.InvariantCulture, out value))
        {
            // The same ceiling as the unit form, so that every duration read here formats and reads back.
            return value >= TimeSpan.Zero && value.TotalMilliseconds < MaxMilliseconds;
        }

        (int Length, double Scale) unit = span switch
        {
            _ when span.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (2, 1),
            _ when span.EndsWith("s", StringComparison.OrdinalIgnoreCase) => (1, 1_000),
            _ when span.EndsWith("m", StringComparison.OrdinalIgnoreCase) => (1, 60_000),
            _ when span.EndsWith("h", StringComparison.OrdinalIgnoreCase) => (1, 3_600_000),
            _ when span.EndsWith("d", StringComparison.OrdinalIgnoreCase) => (1, 86_400_000),
            _ => (0, 0),
        };

        if (unit.Length > 0
            && double.TryParse(span[..^unit.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && double.IsFinite(number) && number >= 0
            && number * unit.Scale is var ms && ms < MaxMilliseconds)
        {
            value = TimeSpan.FromMilliseconds(ms);
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Writes <paramref name="value"/> in the shortest unit form <see cref="TryParse"/> reads back exactly: <c>250ms</c>, <c>2s</c>, <c>5m</c>.</summary>
    public static string Format(TimeSpan value)
    {
        var ms = value.TotalMilliseconds;
        return ms switch
        {
            _ when ms % 3_600_000 == 0 && ms > 0 => (ms / 3_600_000).ToString(CultureInfo.InvariantCulture) + "h",
            _ when ms % 60_000 == 0 && ms > 0 => (ms / 60_000).ToString(CultureInfo.InvariantCulture) + "m",
            _ when ms % 1_000 == 0 => (ms / 1_000).ToString(CultureInfo.InvariantCulture) + "s",
            _ => ms.ToString("0.###", CultureInfo.InvariantCulture) + "ms",
        };
    }
}
