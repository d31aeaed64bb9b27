using System.Text;

namespace Mesh.Heal.Agents.Logs;

/// <summary>Splits a message into tokens and masks the variable ones: numbers (with a unit or not, durations like
/// <c>00:02</c>), ids and any token with a digit in it (<c>core.2275</c>, <c>v6.1.7601</c>), IPs and <c>host:port</c>, GUIDs,
/// Unix and Windows paths, URLs, hex, e-mail addresses, file and process names (<c>chrome.exe</c>), the value of every
/// <c>key=value</c>, and quoted free text (one token however many words it holds).</summary>
/// <remarks>
/// Hand-written rather than a chain of regular expressions: it runs once per line at the miner's full rate. A token keeps
/// its surrounding punctuation (<c>(id=&lt;NUM&gt;),</c>). In <c>key=value</c> the value is masked whatever it is (ULP and
/// LILAC's preprocessing treat an assigned value as a parameter), and so in <c>Key:Value</c> glued with no space.
/// A quoted span that holds a path or a URL (an HTTP request line) is split into its words instead, since its method
/// and its shape tell events apart.
/// </remarks>
public static class LogMasker
{
    /// <summary>The masks, as they appear in templates.</summary>
    public const string Number = "<NUM>", Id = "<ID>", Ip = "<IP>", Guid = "<GUID>", Path = "<PATH>", Url = "<URL>", Hex = "<HEX>", Email = "<EMAIL>", Str = "<STR>", File = "<FILE>", Value = "<VAL>", Date = "<DATE>";

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

            // A quoted span is one value, however many words it holds: 'out of stock' is one token, <STR>; so is the value
            // of tag="View Lock". A single quoted word is left to Mask (key="7" keeps its quotes), and a quoted span
            // that holds a path or a URL is a request line ("GET /v2/x HTTP/1.1"), split into its words.
            var quoteAt = i;
            while (quoteAt < span.Length && IsKeyChar(span[quoteAt]))
            {
                quoteAt++;
            }

            var keyed = quoteAt > i && quoteAt < span.Length - 1 && span[quoteAt] is '=' or ':';
            if (keyed)
            {
                quoteAt++;
            }

            // A quoted span that opens the message is the message (klog's structured lines: "SyncLoop ADD" source="api").
            if (((quoteAt == i && tokens.Count > 0) || keyed) && quoteAt < span.Length && span[quoteAt] is '\'' or '"'
                && Closing(span, quoteAt) is var close and > 0 && Collapses(span[(quoteAt + 1)..close], keyed))
            {
                i = close + 1;
                while (i < span.Length && !char.IsWhiteSpace(span[i]) && IsClose(span[i]))
                {
                    i++;
                }

                if (i == span.Length || char.IsWhiteSpace(span[i]))
                {
                    tokens.Add(string.Concat(span[start..(keyed ? quoteAt : start)], Str, span[(close + 1)..i]));
                    continue;
                }

                i = start;
            }

            while (i < span.Length && !char.IsWhiteSpace(span[i]))
            {
                i++;
            }

            var masked = Mask(span[start..i]);
            if (masked.EndsWith(Number, StringComparison.Ordinal) && IsOpenRun(masked.AsSpan(0, masked.Length - Number.Length))
                && UnitEnd(span, i, masked[0] == '(') is var end and > 0)
            {
                // A quantity is one value with its unit: "1.5 sec", "<1 sec", "(1.16 KB)", whose unit may change with it
                // and which may come and go (a size restated in parentheses).
                tokens.Add(string.Concat(masked, " ", span[i..end].Trim()));
                i = end;
                continue;
            }

            tokens.Add(masked);
        }

        MaskDates(tokens);
    }

    // Day and month names next to a number or another of them are a date's ("Sun Jul 3 12:00:01 2005", "3 May"), masked
    // with it; alone they are words ("may").
    private static void MaskDates(List<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var lead = token.Length > 0 && IsOpen(token[0]) ? 1 : 0;
            var trail = token.Length;
            while (trail > lead && IsClose(token[trail - 1]))
            {
                trail--;
            }

            if (IsDateName(token.AsSpan(lead, trail - lead))
                && ((i > 0 && (IsVariable(tokens[i - 1]) || IsDateName(tokens[i - 1].AsSpan().Trim("([,."))))
                    || (i + 1 < tokens.Count && (IsVariable(tokens[i + 1]) || IsDateName(tokens[i + 1].AsSpan().Trim(")],."))))))
            {
                tokens[i] = string.Concat(token.AsSpan(0, lead), Date, token.AsSpan(trail));
            }
        }
    }

    private static bool IsDateName(ReadOnlySpan<char> word)
    {
        if (word.Length < 3 || word.Length > 9 || !char.IsAsciiLetterUpper(word[0]))
        {
            return false;
        }

        Span<char> lower = stackalloc char[9];
        var length = word.ToLowerInvariant(lower);
        return lower[..length] is "jan" or "feb" or "mar" or "apr" or "may" or "jun" or "jul" or "aug" or "sep" or "sept" or "oct" or "nov" or "dec"
            or "january" or "february" or "march" or "april" or "june" or "july" or "august" or "september" or "october" or "november"
            or "december" or "mon" or "tue" or "wed" or "thu" or "fri" or "sat" or "sun" or "monday" or "tuesday" or "wednesday"
            or "thursday" or "friday" or "saturday" or "sunday";
    }

    private static bool IsOpenRun(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!IsOpen(c) && c is not '~' and not '=')
            {
                return false;
            }
        }

        return true;
    }

    // Where the word after `from` ends when it is a unit of time or size ("sec", "KB)", "ms),"), or -1; after an opening
    // parenthesis it must close it.
    private static int UnitEnd(ReadOnlySpan<char> span, int from, bool closes)
    {
        var i = from;
        while (i < span.Length && span[i] == ' ')
        {
            i++;
        }

        var start = i;
        while (i < span.Length && char.IsAsciiLetter(span[i]))
        {
            i++;
        }

        if (i == start || !IsUnit(span[start..i]) || (closes && (i >= span.Length || span[i] != ')')))
        {
            return -1;
        }

        while (i < span.Length && !char.IsWhiteSpace(span[i]) && IsClose(span[i]))
        {
            i++;
        }

        return i == span.Length || char.IsWhiteSpace(span[i]) ? i : -1;
    }

    private static bool IsUnit(ReadOnlySpan<char> word) => word is "ns" or "us" or "ms" or "s" or "sec" or "secs" or "second" or "seconds"
        or "min" or "mins" or "minute" or "minutes" or "hr" or "hrs" or "hour" or "hours" or "day" or "days" or "B" or "KB" or "kB"
        or "MB" or "GB" or "TB" or "KiB" or "MiB" or "GiB" or "TiB" or "kb" or "mb" or "gb" or "byte" or "bytes";

    // Whether a quoted span is folded into one <STR>: after a key, whatever it holds when it holds more than one word (an
    // assigned value); alone, free text but not a request line with a path or URL in it.
    private static bool Collapses(ReadOnlySpan<char> content, bool keyed) =>
        keyed ? content.IndexOfAny(' ', '\t') >= 0 : content.IndexOfAny('/', '\\') < 0;

    private static bool IsKeyChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';

    // The index of the quote that closes the one at `open`, within 1,000 characters and before the line ends; -1 when none.
    private static int Closing(ReadOnlySpan<char> span, int open)
    {
        var quote = span[open];
        var limit = Math.Min(span.Length, open + 1000);
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

        if (IsWindowsPath(core))
        {
            return Wrap(token, lead, trail, MaskedPath(core));
        }

        // key=value, key:value with a word for a key: the key stays, the value is masked (quotes kept). An assigned value is
        // a parameter whatever it looks like (uid=0, user=root, ws=null); after a colon only a variable is (line:42, not
        // Core:Foo). host:port is an address as a whole.
        var separator = core.IndexOfAny('=', ':');
        if (separator > 0 && IsKey(core[..separator]) && core.IndexOf("://", StringComparison.Ordinal) < 0)
        {
            if (separator == core.Length - 1)
            {
                // key="" is a value that is empty this time (status="" beside status="ready"); a bare key= is a field left out.
                var rest = token[trail..];
                return core[separator] == '=' && rest.Length >= 2 && rest[0] is '"' or '\'' && rest[1] == rest[0]
                    ? string.Concat(string.Concat(token[..lead], core, rest[..1]), Value, rest[1..].ToString())
                    : token.ToString();
            }

            var value = core[(separator + 1)..];
            if (core[separator] == ':' && IsPort(value) && (core[..separator].Contains('.') || core[..separator] is "localhost"))
            {
                return Wrap(token, lead, trail, Ip);
            }

            var quote = value[0] is '"' or '\'' ? 1 : 0;
            var inner = value[quote..];

            // Glued to its key a colon assigns as an equals sign does (Type:ContainerDied); "Core:" followed by a space does not.
            var maskedValue = inner.Length == 0 ? null : Classify(inner) ?? (core[separator] == '=' || IsKey(inner) ? Value : null);
            return maskedValue is null
                ? token.ToString()
                : string.Concat(token[..lead], core[..(separator + 1 + quote)], maskedValue, token[trail..]);
        }

        var masked = Classify(core);
        return masked is null ? token.ToString() : Wrap(token, lead, trail, masked);
    }

    private static string Wrap(ReadOnlySpan<char> token, int lead, int trail, string masked) =>
        lead == 0 && trail == token.Length ? masked : string.Concat(token[..lead], masked, token[trail..]);

    private static bool IsPort(ReadOnlySpan<char> value)
    {
        if (value.Length is 0 or > 5)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsKey(ReadOnlySpan<char> text)
    {
        if (!char.IsAsciiLetter(text[0]) && text[0] != '_')
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!IsKeyChar(c))
            {
                return false;
            }
        }

        return true;
    }

    // C:\Windows\x, \\server\share, \??\C:\x, or any token with two backslashes between words.
    private static bool IsWindowsPath(ReadOnlySpan<char> core) =>
        (core.Length > 2 && char.IsAsciiLetter(core[0]) && core[1] == ':' && core[2] == '\\')
        || (core.Length > 1 && core[0] == '\\')
        || core.Count('\\') >= 2;

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

        if (core[0] == '/' && core.Length > 1 || IsWindowsPath(core) || core.StartsWith("~/") || core.StartsWith("./") || core.Count('/') >= 2)
        {
            return MaskedPath(core);
        }

        if (IsFileName(core))
        {
            return File;
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
            // A boolean is a value whatever it qualifies ("visible is true").
            return core.Equals("true", StringComparison.OrdinalIgnoreCase) || core.Equals("false", StringComparison.OrdinalIgnoreCase) ? Value : null;
        }

        if (core.Length == 36 && dashes == 4 && core[8] == '-' && core[13] == '-' && core[18] == '-' && core[23] == '-' && letters == hexLetters)
        {
            return Guid;
        }

        if (dots == 3 && letters == 0 && dashes == 0 && colons <= 1 && others == 0)
        {
            return Ip;
        }

        if (colons >= 2 && letters == hexLetters && dots == 0 && others == 0 && dashes == 0 && core.Length >= 6 && core.IndexOf(':') <= 4
            && (letters > 0 || colons >= 5 || core.Contains("::", StringComparison.Ordinal)))
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

        // A digit mixed into a word is a variable far more often than not (core.2275, v6.1.7601, MC0, eth1): ULP and Drain's
        // own routing treat it so; the names of protocols, encodings and architectures are the exception.
        return IsTechnicalName(core) ? null : Id;
    }

    // A path keeps its words and loses its variable segments ("/v2/<HEX>/servers/detail": which resource an API path names is
    // part of its event, which id it carries is not); a path with no variable segment is a variable as a whole.
    private static string MaskedPath(ReadOnlySpan<char> core)
    {
        var text = new StringBuilder(core.Length);
        var masked = false;
        var start = 0;
        for (var i = 0; i <= core.Length; i++)
        {
            if (i < core.Length && core[i] is not '/' and not '\\')
            {
                continue;
            }

            var segment = core[start..i];
            var mask = segment.Length == 0 || segment.IndexOfAny('/', '\\') >= 0 ? null : Classify(segment);
            masked |= mask is not null;
            text.Append(mask ?? segment.ToString());
            if (i < core.Length)
            {
                text.Append(core[i]);
            }

            start = i + 1;
        }

        return masked ? text.ToString() : Path;
    }

    // name.ext with an extension that files and processes carry (chrome.exe, cbscore.dll, app.log): which file or
    // process a line names is a parameter of its event.
    private static bool IsFileName(ReadOnlySpan<char> core)
    {
        var dot = core.LastIndexOf('.');
        if (dot <= 0 || dot == core.Length - 1 || core.Length - dot > 11)
        {
            return false;
        }

        foreach (var c in core[..dot])
        {
            if (!IsKeyChar(c) && c != '$' && c != '~')
            {
                return false;
            }
        }

        // All lower or all upper case: java.lang.Class and Foo.Log are a type's name, not a file's.
        var extension = core[(dot + 1)..];
        Span<char> lower = stackalloc char[10];
        var length = extension.ToLowerInvariant(lower);
        if (length <= 0 || (!lower[..length].SequenceEqual(extension) && !IsUpper(extension)))
        {
            return false;
        }

        return lower[..length] is "exe" or "dll" or "sys" or "so" or "jar" or "war" or "class" or "py" or "pyc" or "js"
            or "ts" or "rb" or "php" or "sh" or "bat" or "cmd" or "ps1" or "msi" or "msu" or "cab" or "mum" or "cat" or "manifest"
            or "log" or "txt" or "xml" or "json" or "yaml" or "yml" or "conf" or "cfg" or "ini" or "properties" or "dat" or "db"
            or "tmp" or "bak" or "bin" or "img" or "iso" or "zip" or "gz" or "tgz" or "tar" or "rar" or "7z" or "pdf" or "doc"
            or "docx" or "xls" or "xlsx" or "csv" or "html" or "htm" or "css" or "png" or "jpg" or "jpeg" or "gif" or "svg"
            or "mp3" or "mp4" or "apk" or "dex" or "pid" or "lock" or "sock" or "key" or "pem" or "crt";
    }

    private static bool IsTechnicalName(ReadOnlySpan<char> core)
    {
        if (core.Length > 7)
        {
            return false;
        }

        Span<char> lower = stackalloc char[7];
        var length = core.ToLowerInvariant(lower);
        return lower[..length] is "ipv4" or "ipv6" or "http2" or "http3" or "h2" or "h2c" or "ssh2" or "sshv2"
            or "tlsv1" or "sslv3" or "utf8" or "utf16" or "utf32" or "md5" or "sha1" or "sha256" or "sha384" or "sha512" or "base64"
            or "x86" or "x64" or "i386" or "i686" or "amd64" or "arm64" or "aarch64" or "win32" or "win64" or "ext2" or "ext3" or "ext4"
            or "s3" or "ec2" or "k8s" or "oauth2" or "ntlmv2" or "smb2" or "smb3" or "nfs4" or "v1" or "v2" or "v3";
    }

    private static bool IsUpper(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterUpper(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
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

    /// <summary>Whether <paramref name="token"/> is a wildcard or holds a mask (<c>&lt;NUM&gt;</c>, <c>(uid=&lt;NUM&gt;)</c>).</summary>
    public static bool IsVariable(string token) => token == "<*>" || MaskAt(token, 0) >= 0;

    /// <summary>What stands for a variable in a <see cref="Shape"/>.</summary>
    internal const char Variable = '\u0001';

    /// <summary><paramref name="token"/> with its masks and wildcard written <see cref="Variable"/>: <c>(uid=&lt;NUM&gt;)</c> is
    /// <c>(uid=\u0001)</c>, so a value masked as a number in one line and an id in another reads the same.</summary>
    internal static string Shape(string token)
    {
        if (token == "<*>")
        {
            return "\u0001";
        }

        var at = MaskAt(token, 0);
        if (at < 0)
        {
            return token;
        }

        // A token the tokenizer joined from several words ("(<NUM> KB)") is one value, and so is a mask in brackets.
        if (token.Contains(' ', StringComparison.Ordinal) || IsWrappedMask(token, at))
        {
            return "\u0001";
        }

        var builder = new StringBuilder(token.Length);
        var from = 0;
        while (at >= 0)
        {
            var end = token.IndexOf('>', at);
            builder.Append(token, from, at - from).Append(Variable);
            from = end + 1;
            at = MaskAt(token, from);
        }

        // Only its words and where its variables fall: key="<NUM>" and key=<STR>, NodeList=<ID> and NodeList=<ID>] (a
        // value's own punctuation that the mask left outside) read the same.
        builder.Append(token, from, token.Length - from);
        var shape = new StringBuilder(builder.Length);
        foreach (var c in builder.ToString())
        {
            if (char.IsLetterOrDigit(c) || (c == Variable && (shape.Length == 0 || shape[^1] != Variable)))
            {
                shape.Append(c);
            }
        }

        return shape.ToString();
    }

    private static bool IsWrappedMask(string token, int at)
    {
        var end = token.IndexOf('>', at);
        for (var i = 0; i < token.Length; i++)
        {
            if ((i < at || i > end) && !IsOpen(token[i]) && !IsClose(token[i]))
            {
                return false;
            }
        }

        return true;
    }

    // Where a mask (<NUM>, <*>) starts in token at or after from, or -1.
    private static int MaskAt(string token, int from)
    {
        for (var i = token.IndexOf('<', from); i >= 0 && i < token.Length - 2; i = token.IndexOf('<', i + 1))
        {
            var j = i + 1;
            while (j < token.Length && (char.IsAsciiLetterUpper(token[j]) || token[j] == '*'))
            {
                j++;
            }

            if (j > i + 1 && j < token.Length && token[j] == '>')
            {
                return i;
            }
        }

        return -1;
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
