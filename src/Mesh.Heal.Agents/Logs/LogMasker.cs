using System.Text;

namespace Mesh.Heal.Agents.Logs;

/// <summary>Splits a message into tokens and masks the variable ones: numbers, ids, IPs, GUIDs, paths, URLs, hex, e-mail
/// addresses, and quoted strings (one token however many words they hold).</summary>
/// <remarks>
/// Hand-written rather than a chain of regular expressions: it runs once per line at the miner's full rate. A token keeps
/// its surrounding punctuation (<c>(id=&lt;NUM&gt;),</c>); in <c>key=value</c> and <c>key:value</c> only the value is masked.
/// </remarks>
public static class LogMasker
{
    /// <summary>The masks, as they appear in templates.</summary>
    public const string Number = "<NUM>", Id = "<ID>", Ip = "<IP>", Guid = "<GUID>", Path = "<PATH>", Url = "<URL>", Hex = "<HEX>", Email = "<EMAIL>", Str = "<STR>";

    /// <summary>The most tokens a message is split into; the rest is one last token (a mined line must stay cheap).</summary>
    public const int MaximumTokens = 120;

    /// <summary>Tokenises and masks <paramref name="message"/> into <paramref name="tokens"/>, which is cleared first.</summary>
    public static void Tokenize(string message, List<string> tokens)
    {
        tokens.Clear();
        var span = message.AsSpan();
        var i = 0;
        while (i < span.Length)
        {
            while (i < span.Length && char.IsWhiteSpace(span[i]))
            {
                i++;
            }

            if (i >= span.Length)
            {
                break;
            }

            var start = i;
            if (tokens.Count == MaximumTokens - 1)
            {
                tokens.Add(Mask(span[start..].TrimEnd()));
                return;
            }

            // A quoted span is one value, however many words it holds: 'out of stock' is one token, <STR>.
            if (span[i] is '\'' or '"' && Closing(span, i) is var close and > 0)
            {
                i = close + 1;
                while (i < span.Length && !char.IsWhiteSpace(span[i]) && IsClose(span[i]))
                {
                    i++;
                }

                if (i == span.Length || char.IsWhiteSpace(span[i]))
                {
                    tokens.Add(string.Concat(Str, span[(close + 1)..i]));
                    continue;
                }

                i = start;
            }

            while (i < span.Length && !char.IsWhiteSpace(span[i]))
            {
                i++;
            }

            tokens.Add(Mask(span[start..i]));
        }
    }

    // The index of the quote that closes the one at `open`, within 200 characters and before the line ends; -1 when none.
    private static int Closing(ReadOnlySpan<char> span, int open)
    {
        var quote = span[open];
        var limit = Math.Min(span.Length, open + 200);
        for (var i = open + 1; i < limit; i++)
        {
            if (span[i] == quote && span[i - 1] != '\\')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The masked form of one token.</summary>
    public static string Mask(ReadOnlySpan<char> token)
    {
        var lead = 0;
        while (lead < token.Length && IsOpen(token[lead]))
        {
            lead++;
        }

        var trail = token.Length;
        while (trail > lead && IsClose(token[trail - 1]))
        {
            trail--;
        }

        var core = token[lead..trail];
        if (core.Length == 0)
        {
            return token.ToString();
        }

        // key=value, key:value with a word for a key: the key stays, the value is masked (quotes kept).
        var separator = core.IndexOfAny('=', ':');
        if (separator > 0 && separator < core.Length - 1 && IsWord(core[..separator]) && core.IndexOf("://", StringComparison.Ordinal) < 0)
        {
            var value = core[(separator + 1)..];
            var quote = value[0] is '"' or '\'' ? 1 : 0;
            var maskedValue = Classify(value[quote..]);
            return maskedValue is null
                ? token.ToString()
                : string.Concat(token[..lead], core[..(separator + 1 + quote)], maskedValue, token[trail..]);
        }

        var masked = Classify(core);
        if (masked is null)
        {
            return token.ToString();
        }

        return lead == 0 && trail == token.Length ? masked : string.Concat(token[..lead], masked, token[trail..]);
    }

    private static bool IsWord(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetter(c) && c is not '_' and not '-' and not '.')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsOpen(char c) => c is '(' or '[' or '{' or '"' or '\'' or '<' or '`';

    private static bool IsClose(char c) => c is ')' or ']' or '}' or '"' or '\'' or '>' or ',' or ';' or '.' or ':' or '!' or '?' or '`';

    // The mask for a whole token, or null when it is a word.
    private static string? Classify(ReadOnlySpan<char> core)
    {
        if (core.Length == 0)
        {
            return null;
        }

        if (core.Contains("://", StringComparison.Ordinal))
        {
            return Url;
        }

        if (core[0] == '/' && core.Length > 1 || (core.Length > 2 && char.IsAsciiLetter(core[0]) && core[1] == ':' && core[2] == '\\') || core.StartsWith("~/") || core.StartsWith("./"))
        {
            return Path;
        }

        int digits = 0, letters = 0, hexLetters = 0, dots = 0, dashes = 0, colons = 0, ats = 0, others = 0;
        foreach (var c in core)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (char.IsAsciiLetter(c))
            {
                letters++;
                if (char.IsAsciiHexDigit(c))
                {
                    hexLetters++;
                }
            }
            else if (c == '.')
            {
                dots++;
            }
            else if (c == '-')
            {
                dashes++;
            }
            else if (c == ':')
            {
                colons++;
            }
            else if (c == '@')
            {
                ats++;
            }
            else if (c != '_' && c != '+' && c != '%' && c != ',')
            {
                others++;
            }
        }

        if (ats == 1 && dots >= 1 && letters > 0 && others == 0)
        {
            return Email;
        }

        if (digits == 0)
        {
            return null;
        }

        if (core.Length == 36 && dashes == 4 && core[8] == '-' && core[13] == '-' && core[18] == '-' && core[23] == '-' && letters == hexLetters)
        {
            return Guid;
        }

        if (dots == 3 && letters == 0 && dashes == 0 && colons <= 1 && others == 0)
        {
            return Ip;
        }

        if (colons >= 2 && letters == hexLetters && dots == 0 && others == 0 && dashes == 0 && core.Length >= 6 && core.IndexOf(':') <= 4)
        {
            return Ip;
        }

        if (core.Length > 2 && core[0] == '0' && (core[1] == 'x' || core[1] == 'X') && letters - 1 == hexLetters)
        {
            return Hex;
        }

        if (letters == 0 || IsNumberWithUnit(core))
        {
            // 42, -1, 3.14, 1,024, 12:30:01, 2024-05-01, 12ms, 1.5s, 80%, 512MiB
            return Number;
        }

        if (letters == hexLetters && core.Length >= 8 && others == 0 && dots == 0)
        {
            return Hex;
        }

        return digits >= 2 && core.Length >= 6 && others == 0 ? Id : null;
    }

    private static bool IsNumberWithUnit(ReadOnlySpan<char> core)
    {
        var i = core[0] is '-' or '+' ? 1 : 0;
        var start = i;
        while (i < core.Length && (char.IsAsciiDigit(core[i]) || core[i] is '.' or ','))
        {
            i++;
        }

        if (i == start || i == core.Length)
        {
            return false;
        }

        var unit = core[i..];
        return unit.Length <= 3 && IsAllLetters(unit) || unit is "KiB" or "MiB" or "GiB" or "TiB" or "msec" or "secs" or "bytes" or "ns" or "us" or "µs";
    }

    private static bool IsAllLetters(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetter(c) && c != '%')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The tokens joined with single spaces.</summary>
    public static string Join(IReadOnlyList<string> tokens)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(' ');
            }

            builder.Append(tokens[i]);
        }

        return builder.ToString();
    }
}
