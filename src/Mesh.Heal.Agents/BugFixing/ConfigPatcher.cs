using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mesh.Heal.Agents.BugFixing;

/// <summary>Writes configuration fixes: a timeout setting raised in a service's JSON configuration (<c>appsettings.json</c>).</summary>
/// <remarks>
/// A timeout setting is a property whose name contains <c>Timeout</c>, with a number or a <c>hh:mm:ss</c> value. The one
/// to raise is the one whose value is the timeout the error names ("HttpClient.Timeout of 2 seconds", "after 500 ms"); when
/// the error names none and the files hold exactly one timeout setting, that one. Only the value's characters change, so
/// the file's layout and comments stay as they were.
/// </remarks>
public static partial class ConfigPatcher
{
    /// <summary>A patch that multiplies the timeout setting by <paramref name="factor"/> (up to <paramref name="ceiling"/>), or null when no setting is the one.</summary>
    public static CandidatePatch? RaiseTimeout(IReadOnlyDictionary<string, string> files, string errorText, double factor, TimeSpan ceiling)
    {
        var settings = files
            .Where(f => f.Key.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            .SelectMany(f => TimeoutSettings(f.Key, f.Value))
            .ToList();
        var named = NamedTimeout(errorText);
        var chosen = named is { } n ? settings.Where(s => Math.Abs((s.Value - n).TotalMilliseconds) < 1).ToList() : [];
        if (chosen.Count != 1)
        {
            chosen = settings.Count == 1 ? settings : [];
        }

        if (chosen.Count != 1)
        {
            return null;
        }

        var setting = chosen[0];
        var raised = TimeSpan.FromMilliseconds(Math.Min(setting.Value.TotalMilliseconds * factor, ceiling.TotalMilliseconds));
        if (raised <= setting.Value)
        {
            return null;
        }

        var text = files[setting.File];
        var replacement = setting.Format(raised);
        var after = string.Concat(text.AsSpan(0, setting.Start), replacement, text.AsSpan(setting.Start + setting.Length));
        return new CandidatePatch(setting.File, text, after,
            $"raise {setting.Path} in {setting.File} from {setting.Original} to {replacement} ({Seconds(setting.Value)} to {Seconds(raised)}), "
            + (named is null ? "the only timeout setting of the service" : "the timeout the error names"));
    }

    /// <summary>The timeout the error text names ("of 2 seconds", "after 500 ms", "00:00:05"), or null.</summary>
    public static TimeSpan? NamedTimeout(string text)
    {
        var match = Named().Match(text);
        if (!match.Success)
        {
            return null;
        }

        if (match.Groups["span"].Success)
        {
            return TimeSpan.TryParse(match.Groups["span"].Value, CultureInfo.InvariantCulture, out var span) ? span : null;
        }

        var value = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        return match.Groups["unit"].Value.ToLowerInvariant() switch
        {
            "ms" or "millisecond" or "milliseconds" => TimeSpan.FromMilliseconds(value),
            "m" or "min" or "minute" or "minutes" => TimeSpan.FromMinutes(value),
            _ => TimeSpan.FromSeconds(value),
        };
    }

    private sealed record Setting(string File, string Path, string Original, TimeSpan Value, int Start, int Length, Func<TimeSpan, string> Format);

    private static IEnumerable<Setting> TimeoutSettings(string file, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var settings = new List<Setting>();
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var path = new List<string>();
        string? property = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        break;
                    case JsonTokenType.StartObject:
                        path.Add(property ?? string.Empty);
                        property = null;
                        break;
                    case JsonTokenType.EndObject:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.StartArray:
                        property = null;
                        reader.Skip();
                        break;
                    case JsonTokenType.Number or JsonTokenType.String when property is not null && property.Contains("timeout", StringComparison.OrdinalIgnoreCase):
                        var start = Encoding.UTF8.GetCharCount(bytes, 0, (int)reader.TokenStartIndex);
                        var name = string.Join(':', path.Where(p => p.Length > 0).Append(property));
                        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var number) && number > 0)
                        {
                            var raw = Encoding.UTF8.GetString(reader.ValueSpan);
                            // A name ending in Ms or Milliseconds counts milliseconds, any other seconds.
                            var millis = property.EndsWith("Ms", StringComparison.Ordinal) || property.Contains("Millisecond", StringComparison.OrdinalIgnoreCase);
                            var value = millis ? TimeSpan.FromMilliseconds(number) : TimeSpan.FromSeconds(number);
                            settings.Add(new Setting(file, name, raw, value, start, raw.Length,
                                t => (millis ? Math.Round(t.TotalMilliseconds) : Math.Round(t.TotalSeconds, 3)).ToString(CultureInfo.InvariantCulture)));
                        }
                        else if (reader.TokenType == JsonTokenType.String && TimeSpan.TryParse(reader.GetString(), CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
                        {
                            var raw = reader.GetString()!;
                            settings.Add(new Setting(file, name, raw, span, start + 1, reader.ValueSpan.Length, t => t.ToString("c", CultureInfo.InvariantCulture)));
                        }

                        property = null;
                        break;
                    default:
                        property = null;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // A configuration file that is not JSON proposes nothing.
            return [];
        }

        return settings;
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    [GeneratedRegex(@"(?:timeout (?:of|after|is)|after|exceeded|elapsed|of)\s+(?:(?<span>\d{1,2}:\d{2}:\d{2}(?:\.\d+)?)|(?<n>\d+(?:\.\d+)?)\s*(?<unit>ms|milliseconds?|s|sec|secs|seconds?|m|min|minutes?)\b)", RegexOptions.IgnoreCase)]
    private static partial Regex Named();
}
