using System.Globalization;
using System.Text;

namespace Mesh.Heal.Benchmarks.Logs.Families;

/// <summary>Renders an event pattern into one message: every <c>{kind}</c> or <c>{kind:argument}</c> becomes a value
/// drawn from the seeded random source; <c>{{</c> and <c>}}</c> are literal braces.</summary>
/// <remarks>
/// Kinds: <c>i:a-b</c> uniform integer, <c>z:a-b</c> log-uniform integer (sizes, counts), <c>d:n</c> exactly n digits,
/// <c>x:n</c> / <c>X:n</c> n hex digits (or <c>x:a-b</c>), <c>f:a-b:d</c> a decimal with d places, <c>p:a|b|c</c> one of the words,
/// <c>@list</c> one of the family's list (itself a pattern), <c>many:a-b:separator:kind</c> a variable-length list of another kind,
/// <c>ip</c>, <c>ip6</c>, <c>port</c>, <c>mac</c>, <c>uuid</c>, <c>pid</c>, <c>blk</c> (an HDFS block id),
/// <c>user</c> (an account name), <c>name</c> (a person's name, one to three words), <c>words:a-b</c> (free text),
/// <c>host</c>, <c>path</c>, <c>hms</c>, <c>date</c>, <c>ctime</c> (C's asctime without the newline),
/// <c>size</c> (bytes, with the KB/MB figure in parentheses past 1 KiB, as connection-log tools print it),
/// <c>life</c> (a connection lifetime: <c>&lt;1 sec</c>, <c>00:02</c>, <c>01:12:09</c>), <c>bytes</c>
/// (a human-readable size, <c>13.6 KB</c>), <c>b64:n</c>.
/// </remarks>
internal sealed class LogFiller(Random random, IReadOnlyDictionary<string, string[]> lists, double locality = 0)
{
    // How many of a placeholder's latest values stay candidates for reuse.
    private const int Recent = 8;
    private readonly Dictionary<string, List<string>> _recent = new(StringComparer.Ordinal);

    // Account names as they show up in auth logs: real accounts, service accounts, and what brute-forcers try.
    private static readonly string[] Users =
    [
        "root", "root", "root", "admin", "test", "guest", "oracle", "postgres", "ubuntu", "user", "nagios", "git", "ftpuser",
        "www-data", "mysql", "support", "pi", "deploy", "jenkins", "hadoop", "user1", "test123", "admin01", "operator", "news",
        "cyrus", "backup", "alice", "bob", "jsmith", "mlopez", "k8s-node", "svc_backup", "ec2-user", "centos", "zabbix",
    ];

    private static readonly string[] GivenNames = ["John", "Mary", "Wei", "Ana", "Priya", "Lars", "Fatima", "Kenji", "Olga", "Pedro", "Amara", "Tom"];

    private static readonly string[] FamilyNames = ["Smith", "Garcia", "Chen", "Kowalski", "Nakamura", "O'Brien", "Van der Berg", "Okafor", "Rossi", "Haddad"];

    private static readonly string[] Words =
    [
        "the", "server", "request", "failed", "because", "connection", "was", "reset", "timeout", "while", "reading", "from",
        "upstream", "client", "closed", "unexpected", "end", "of", "file", "retry", "later", "resource", "busy", "invalid", "token",
    ];

    private static readonly string[] HostWords = ["node", "lab", "cn", "compute", "worker", "db", "web", "edge", "gw", "mx", "srv", "ip"];

    private static readonly string[] Domains = ["example.com", "corp.local", "cluster.internal", "cs.univ.edu", "cdn.net", "isp-broadband.net", "amazonaws.com"];

    private static readonly string[] PathWords = ["var", "lib", "data", "tmp", "opt", "app", "cache", "logs", "home", "current", "images", "conf", "srv", "static"];

    private static readonly string[] Days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>The message <paramref name="pattern"/> describes, with fresh values.</summary>
    public string Fill(string pattern)
    {
        var text = new StringBuilder(pattern.Length + 32);
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '{' && i + 1 < pattern.Length && pattern[i + 1] == '{')
            {
                text.Append('{');
                i += 2;
            }
            else if (c == '}' && i + 1 < pattern.Length && pattern[i + 1] == '}')
            {
                text.Append('}');
                i += 2;
            }
            else if (c == '{')
            {
                var close = pattern.IndexOf('}', i);
                if (close < 0)
                {
                    throw new FormatException($"unclosed placeholder in '{pattern}'");
                }

                text.Append(Value(pattern[(i + 1)..close]));
                i = close + 1;
            }
            else
            {
                text.Append(c);
                i++;
            }
        }

        return text.ToString();
    }

    // A real log's slice is about a few hosts, blocks, users and sessions at a time: with probability locality a
    // placeholder takes one of its latest values again (shared by every event that names the same kind), so variables
    // repeat, some look constant for a while, and one block or session runs through several events.
    private string Value(string placeholder)
    {
        var recent = _recent.TryGetValue(placeholder, out var list) ? list : _recent[placeholder] = [];
        if (recent.Count > 0 && random.NextDouble() < locality)
        {
            return recent[random.Next(recent.Count)];
        }

        var value = Fresh(placeholder);
        if (recent.Count == Recent)
        {
            recent.RemoveAt(0);
        }

        recent.Add(value);
        return value;
    }

    private string Fresh(string placeholder)
    {
        var colon = placeholder.IndexOf(':');
        var kind = colon < 0 ? placeholder : placeholder[..colon];
        var argument = colon < 0 ? string.Empty : placeholder[(colon + 1)..];
        if (kind.StartsWith('@'))
        {
            return lists.TryGetValue(kind[1..], out var list) ? Fill(Pick(list)) : throw new FormatException($"unknown list {kind}");
        }

        return kind switch
        {
            "i" => Int(argument).ToString(CultureInfo.InvariantCulture),
            "z" => LogUniform(argument).ToString(CultureInfo.InvariantCulture),
            "d" => Digits(int.Parse(argument, CultureInfo.InvariantCulture)),
            "x" => Hex(Count(argument)),
            "X" => Hex(Count(argument)).ToUpperInvariant(),
            "f" => Float(argument),
            "p" => Pick(argument.Split('|')),
            "many" => Many(argument),
            "ip" => Ip(),
            "ip6" => string.Join(':', Enumerable.Range(0, 8).Select(_ => random.Next(0x10000).ToString("x", CultureInfo.InvariantCulture))),
            "port" => random.Next(1024, 65536).ToString(CultureInfo.InvariantCulture),
            "mac" => string.Join(':', Enumerable.Range(0, 6).Select(_ => random.Next(256).ToString("x2", CultureInfo.InvariantCulture))),
            "uuid" => new Guid(Bytes(16)).ToString(),
            "pid" => random.Next(100, 32768).ToString(CultureInfo.InvariantCulture),
            "blk" => "blk_" + (random.Next(2) == 0 ? "-" : string.Empty) + Digits(random.Next(18, 20)),
            "user" => Pick(Users),
            "name" => random.Next(5) switch
            {
                0 => Pick(GivenNames),
                1 => $"{Pick(GivenNames)} {Pick(GivenNames)[0]}. {Pick(FamilyNames)}",
                _ => $"{Pick(GivenNames)} {Pick(FamilyNames)}",
            },
            "words" => string.Join(' ', Enumerable.Range(0, Int(argument)).Select(_ => Pick(Words))),
            "host" => Host(),
            "path" => "/" + string.Join('/', Enumerable.Range(0, random.Next(2, 6)).Select(_ => PathSegment())),
            "hms" => $"{random.Next(24):00}:{random.Next(60):00}:{random.Next(60):00}",
            "date" => $"{random.Next(2015, 2027)}-{random.Next(1, 13):00}-{random.Next(1, 29):00}",
            "ctime" => $"{Pick(Days)} {Pick(Months)} {random.Next(1, 29),2} {random.Next(24):00}:{random.Next(60):00}:{random.Next(60):00} {random.Next(2003, 2008)}",
            "size" => Size(),
            "life" => random.Next(4) switch
            {
                0 => "<1 sec",
                3 when random.Next(5) == 0 => $"{random.Next(1, 3):00}:{random.Next(60):00}:{random.Next(60):00}",
                _ => $"{random.Next(0, 10):00}:{random.Next(60):00}",
            },
            "bytes" => HumanBytes(),
            "b64" => Base64(int.Parse(argument, CultureInfo.InvariantCulture)),
            _ => throw new FormatException($"unknown placeholder kind '{kind}'"),
        };
    }

    private int Int(string range)
    {
        var dash = range.IndexOf('-', 1);
        var low = int.Parse(range[..dash], CultureInfo.InvariantCulture);
        var high = int.Parse(range[(dash + 1)..], CultureInfo.InvariantCulture);
        return random.Next(low, high + 1);
    }

    private int Count(string argument) => argument.Contains('-', StringComparison.Ordinal) ? Int(argument) : int.Parse(argument, CultureInfo.InvariantCulture);

    private long LogUniform(string range)
    {
        var dash = range.IndexOf('-', 1);
        var low = Math.Max(1, long.Parse(range[..dash], CultureInfo.InvariantCulture));
        var high = long.Parse(range[(dash + 1)..], CultureInfo.InvariantCulture);
        return (long)Math.Round(Math.Exp(Math.Log(low) + (random.NextDouble() * (Math.Log(high) - Math.Log(low)))));
    }

    private string Float(string argument)
    {
        var parts = argument.Split(':');
        var dash = parts[0].IndexOf('-', 1);
        var low = double.Parse(parts[0][..dash], CultureInfo.InvariantCulture);
        var high = double.Parse(parts[0][(dash + 1)..], CultureInfo.InvariantCulture);
        var places = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 2;
        return (low + (random.NextDouble() * (high - low))).ToString("F" + places.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private string Many(string argument)
    {
        // many:a-b:separator:kind[:argument]; the separator is taken literally ("," or " " or ", ").
        var first = argument.IndexOf(':');
        var second = argument.IndexOf(':', first + 1);
        var count = Int(argument[..first]);
        var separator = argument[(first + 1)..second];
        var inner = argument[(second + 1)..];
        return string.Join(separator, Enumerable.Range(0, count).Select(_ => Value(inner)));
    }

    private string Ip() => random.Next(4) switch
    {
        0 => $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}",
        1 => $"192.168.{random.Next(256)}.{random.Next(1, 255)}",
        2 => $"172.{random.Next(16, 32)}.{random.Next(256)}.{random.Next(1, 255)}",
        _ => $"{random.Next(1, 224)}.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}",
    };

    private string Host() => random.Next(3) switch
    {
        0 => $"{Pick(HostWords)}-{random.Next(1, 400)}.{Pick(Domains)}",
        1 => $"{Pick(HostWords)}{random.Next(1, 99)}",
        _ => $"{random.Next(1, 224)}-{random.Next(256)}-{random.Next(256)}-{random.Next(256)}.{Pick(Domains)}",
    };

    private string PathSegment() => random.Next(4) == 0 ? $"{Pick(PathWords)}{random.Next(100)}" : Pick(PathWords);

    private string Size()
    {
        var bytes = random.Next(3) == 0 ? random.Next(0, 1024) : (long)Math.Exp(Math.Log(1024) + (random.NextDouble() * Math.Log(1 << 22)));
        if (bytes < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
        }

        var unit = bytes < 1024 * 1024 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.00} KB") : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.00} MB");
        return string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes ({unit})");
    }

    private string HumanBytes()
    {
        var bytes = Math.Exp(random.NextDouble() * Math.Log(4.0 * 1024 * 1024 * 1024));
        string[] units = ["B", "KB", "MB", "GB"];
        var u = 0;
        while (bytes >= 1024 && u < units.Length - 1)
        {
            bytes /= 1024;
            u++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{bytes:0.0} {units[u]}");
    }

    private string Digits(int count)
    {
        var text = new StringBuilder(count);
        text.Append((char)('1' + random.Next(9)));
        for (var i = 1; i < count; i++)
        {
            text.Append((char)('0' + random.Next(10)));
        }

        return text.ToString();
    }

    private string Hex(int count)
    {
        var text = new StringBuilder(count);
        for (var i = 0; i < count; i++)
        {
            text.Append("0123456789abcdef"[random.Next(16)]);
        }

        return text.ToString();
    }

    private string Base64(int count)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var text = new StringBuilder(count);
        for (var i = 0; i < count; i++)
        {
            text.Append(Alphabet[random.Next(Alphabet.Length)]);
        }

        return text.ToString();
    }

    private byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private string Pick(string[] values) => values[random.Next(values.Length)];
}
