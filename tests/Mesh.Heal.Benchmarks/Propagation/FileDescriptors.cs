using System.Runtime.InteropServices;

namespace Mesh.Heal.Benchmarks.Propagation;

/// <summary>Raises this process's open-file limit, which the control-plane processes it starts inherit: thousands of
/// streams are a connection each on both sides.</summary>
internal static class FileDescriptors
{
    private const int RlimitNofile = 7;

    /// <summary>Raises the soft limit to at least <paramref name="wanted"/>, and the hard one too when allowed (root);
    /// leaves them as they are when that is refused, and the case then fails with the control plane's own error.</summary>
    public static void AtLeast(int wanted)
    {
        if (!OperatingSystem.IsLinux() || GetLimit(RlimitNofile, out var limit) != 0 || limit.Current >= (ulong)wanted)
        {
            return;
        }

        var raised = new Limit { Current = (ulong)wanted, Maximum = Math.Max(limit.Maximum, (ulong)wanted) };
        if (SetLimit(RlimitNofile, in raised) != 0)
        {
            raised = limit with { Current = Math.Min(limit.Maximum, (ulong)wanted) };
            _ = SetLimit(RlimitNofile, in raised);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private record struct Limit(ulong Current, ulong Maximum);

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetLimit(int resource, out Limit limit);

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetLimit(int resource, in Limit limit);
}
