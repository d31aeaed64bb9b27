using System.Diagnostics;
using System.Globalization;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Sidecar.Telemetry.Internal;

/// <summary>Samples a process's resources: working set, threads, open file handles and sockets, and their limits.</summary>
/// <remarks>
/// On Linux it reads <c>/proc/&lt;pid&gt;</c> (status, fd, limits) and the cgroup memory limit, which works for any
/// process the sidecar may see, the service it fronts included; elsewhere it falls back to <see cref="Process"/>.
/// Connections are the process's open sockets. A process that is gone or unreadable gives no sample.
/// </remarks>
internal static class ProcessSampler
{
    /// <summary>A sample of process <paramref name="pid"/>, or null when it cannot be read.</summary>
    public static Wire.ResourceSample? Sample(int pid, bool self)
    {
        var sample = OperatingSystem.IsLinux() ? SampleProc(pid) : SampleProcess(pid);
        if (sample is not null && self)
        {
            sample.GcHeapBytes = GC.GetGCMemoryInfo().HeapSizeBytes;
        }

        return sample;
    }

    private static Wire.ResourceSample? SampleProc(int pid)
    {
        var root = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}";
        try
        {
            var sample = new Wire.ResourceSample();
            foreach (var line in File.ReadLines(root + "/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    sample.WorkingSetBytes = ParseLeadingLong(line.AsSpan(6)) * 1024;
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    sample.Threads = (int)ParseLeadingLong(line.AsSpan(8));
                }
            }

            var handles = 0;
            var sockets = 0;
            foreach (var fd in Directory.EnumerateFileSystemEntries(root + "/fd"))
            {
                handles++;
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:", StringComparison.Ordinal))
                {
                    sockets++;
                }
            }

            sample.OpenHandles = handles;
            sample.Connections = sockets;
            foreach (var line in File.ReadLines(root + "/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var soft = line["Max open files".Length..].TrimStart().Split(' ', 2)[0];
                    sample.MaxHandles = int.TryParse(soft, CultureInfo.InvariantCulture, out var max) ? max : 0;
                }
            }

            sample.MemoryLimitBytes = CgroupMemoryLimit(root);
            return sample;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long CgroupMemoryLimit(string root)
    {
        // cgroup v2: "0::/path"; the limit is memory.max under /sys/fs/cgroup/path ("max" when unlimited).
        var line = File.ReadLines(root + "/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal));
        if (line is null)
        {
            return 0;
        }

        var file = "/sys/fs/cgroup" + line[3..].TrimEnd('/') + "/memory.max";
        return File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var limit) ? limit : 0;
    }

    private static Wire.ResourceSample? SampleProcess(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return new Wire.ResourceSample { WorkingSetBytes = process.WorkingSet64, Threads = process.Threads.Count, OpenHandles = process.HandleCount };
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static long ParseLeadingLong(ReadOnlySpan<char> text)
    {
        text = text.TrimStart();
        var end = 0;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        return long.Parse(text[..end], CultureInfo.InvariantCulture);
    }
}
