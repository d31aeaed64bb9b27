using System.Globalization;

namespace Mesh.Heal.Benchmarks.Load;

/// <summary>CPU time and memory of a process and its children (nginx's workers), read from /proc.</summary>
internal static class ProcessStats
{
    private static readonly double TicksPerSecond = 100;

    /// <summary><paramref name="pid"/> and every process whose parent it is.</summary>
    public static IReadOnlyList<int> WithChildren(int pid)
    {
        var pids = new List<int> { pid };
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var child) && child != pid && Stat(child) is { } stat && stat.Parent == pid)
            {
                pids.Add(child);
            }
        }

        return pids;
    }

    /// <summary>User and system CPU time of the processes.</summary>
    public static TimeSpan Cpu(IEnumerable<int> pids) =>
        TimeSpan.FromSeconds(pids.Select(Stat).Sum(s => s is { } x ? (x.User + x.System) / TicksPerSecond : 0));

    /// <summary>Resident memory of the processes, in MiB; <paramref name="peak"/> for the high-water mark.</summary>
    public static double RssMb(IEnumerable<int> pids, bool peak = false) => pids.Sum(pid =>
    {
        try
        {
            var key = peak ? "VmHWM:" : "VmRSS:";
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    });

    private static (int Parent, long User, long System)? Stat(int pid)
    {
        try
        {
            // Fields after the command name, which is in parentheses and may hold spaces: state ppid ... utime(14) stime(15).
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[11], CultureInfo.InvariantCulture), long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
