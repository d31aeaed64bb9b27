namespace Mesh.Heal.Benchmarks.Logs.Families;

/// <summary>The real-system families of the log benchmark, each in its own file, written from the systems' logging
/// statements and documented formats (never from a labelled benchmark's log files).</summary>
/// <remarks>
/// Held-out families (<see cref="LogFamily.HeldOut"/>) are for measuring generalisation: the miner must not be tuned
/// against their lines, events or scores. A change to the miner that helps only a held-out family is tuning to it.
/// </remarks>
internal static partial class LogFamilies
{
    /// <summary>Every family, tuning ones first.</summary>
    public static LogFamily[] All { get; } =
    [
        Hdfs, MapReduce, Spark, OpenSsh, LinuxSyslog, Android, WindowsCbs, Proxy, OpenStack, Slurm, HpcKernel, Kubelet,
        ZooKeeper, ClusterSyslog, HealthApp, ApacheError, MacOs, NginxError,
    ];
}
