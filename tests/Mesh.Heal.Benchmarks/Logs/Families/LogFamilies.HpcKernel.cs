namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private static LogFamily HpcKernel => new()
    {
        Name = "hpc-kernel",
        System = "HPC compute node kernel log (RAS)",
        Source = "torvalds/linux: drivers/edac/edac_mc.c (EDAC MC%d: %d CE ...), arch/x86/kernel/cpu/mce/core.c and therm_throt.c, "
            + "mm/oom_kill.c, kernel/watchdog.c (soft lockup), kernel/hung_task.c, arch/x86/mm/fault.c (segfault at), "
            + "fs/nfs/client.c (server not responding), drivers/infiniband and net/mlx5; lustre-release "
            + "(LustreError/Lustre: connection lost/restored, ptlrpc) printk/CERROR calls",
        Skew = 1.3,
        Lists = new Dictionary<string, string[]>
        {
            ["proc"] = ["python", "python3.8", "lmp_mpi", "vasp_std", "gmx_mpi", "orted", "java", "a.out", "slurmstepd", "hydra_pmi_proxy"],
            ["addr"] = ["0", "0", "8", "10", "18", "7f{x:10}", "5{x:7}", "{x:8}"],
            ["fs"] = ["scratch", "home", "project"],
            ["target"] = ["OST{X:4}", "MDT0000"],
        },
        Tuned = new([@"0x[0-9a-fA-F]+", @"\b[0-9a-f]{8,}\b", DrainSettings.Ip, @"\d+"]),
        Events =
        [
            "EDAC MC{i:0-1}: {i:1-4} CE memory read error on CPU_SrcID#{i:0-1}_Ha#0_Chan#{i:0-3}_DIMM#{i:0-1} (channel:{i:0-3} slot:{i:0-1} page:0x{x:6} offset:0x{x:3} grain:32 syndrome:0x{x:8} -  area:DRAM err_code:0001:009{i:0-3} socket:{i:0-1} ha:0 channel_mask:{i:1-8} rank:{i:0-3})",
            "CPU{i:0-63}: {p:Core|Core|Package} temperature above threshold, cpu clock throttled (total events = {z:1-900000})",
            "CPU{i:0-63}: {p:Core|Core|Package} temperature/speed normal",
            "{@proc}[{pid}]: segfault at {@addr} ip {x:16} sp {x:16} error {p:4|6|14} in {p:libc-2.17.so|libmpi.so.40.20.2|lmp_mpi|libpthread-2.17.so}[{x:12}+{x:6}]",
            "Lustre: {@fs}-{@target}-osc-ffff{x:12}: Connection to {@fs}-{@target} (at {ip}@o2ib) was lost; in progress operations using this service will wait for recovery to complete",
            "Lustre: {@fs}-{@target}-osc-ffff{x:12}: Connection restored to {ip}@o2ib (at {ip}@o2ib)",
            "LustreError: 11-0: {@fs}-{@target}-osc-ffff{x:12}: operation {p:ost_connect|obd_ping|ldlm_enqueue|mds_connect} to node {ip}@o2ib failed: rc = {p:-16|-19|-107|-110}",
            "LustreError: {i:1000-9999}:0:(ldlm_request.c:{i:100-150}:ldlm_expired_completion_wait()) ### lock timed out (enqueued at {d:10}, {i:100-900}s ago); not entering recovery in server code, just going back to sleep ns: {@fs}-{@target}-osc-ffff{x:12} lock: ffff{x:12}/0x{x:16} lrc: 3/0,1 mode: --/PW",
            "nfs: server {p:nfs01|nfs02|homefs} not responding, still trying",
            "nfs: server {p:nfs01|nfs02|homefs} OK",
            "Out of memory: Kill process {pid} ({@proc}) score {i:100-999} or sacrifice child",
            "Killed process {pid} ({@proc}) total-vm:{z:100000-90000000}kB, anon-rss:{z:1000-80000000}kB, file-rss:{z:0-90000}kB, shmem-rss:{z:0-9000}kB",
            "{@proc} invoked oom-killer: gfp_mask=0x{x:5}({p:GFP_HIGHUSER_MOVABLE|GFP_KERNEL}), nodemask=(null), order=0, oom_score_adj=0",
            "INFO: task {@proc}:{pid} blocked for more than 120 seconds.",
            "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.",
            "watchdog: BUG: soft lockup - CPU#{i:0-63} stuck for {i:21-67}s! [{@proc}:{pid}]",
            "mce: [Hardware Error]: Machine check events logged",
            "mce: [Hardware Error]: CPU {i:0-63}: Machine Check: 0 Bank {i:0-20}: {x:16}",
            "mce: [Hardware Error]: TSC 0 ADDR {x:10} MISC {x:16} ",
            "mce: [Hardware Error]: PROCESSOR 0:{x:5} TIME {d:10} SOCKET {i:0-1} APIC {x:2} microcode {x:8}",
            "mlx5_core 0000:{x:2}:00.0: mlx5_cmd_check:{i:700-800}:(pid {pid}): {p:QUERY_VPORT_COUNTER|MODIFY_CQ|CREATE_MKEY}(0x{x:3}) op_mod(0x0) failed, status bad parameter(0x3), syndrome (0x{x:6})",
            "mlx5_core 0000:{x:2}:00.0 ib0: Link {p:up|down}",
            "ib_srpt received unrecognized IB event {i:1-20}",
            "NMI watchdog: Watchdog detected hard LOCKUP on cpu {i:0-63}",
            "perf: interrupt took too long ({i:2500-9000} > {i:2500-9000}), lowering kernel.perf_event_max_sample_rate to {i:10000-80000}",
            "TCP: request_sock_TCP: Possible SYN flooding on port {port}. Sending cookies.  Check SNMP counters.",
            "XFS ({p:sda3|md0|nvme0n1p1}): Metadata corruption detected at xfs_{p:dir3_block|inode_buf|agf}_read_verify+0x{x:2}/0x{x:3} [xfs], xfs_{p:dir3_block|inode|agf} block 0x{x:7}",
            "sd {i:0-6}:0:{i:0-7}:0: [sd{p:a|b|c|d}] tag#{i:0-30} FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_SENSE",
            "blk_update_request: I/O error, dev sd{p:a|b|c|d}, sector {z:1000-900000000}",
            "Buffer I/O error on dev sd{p:a|b|c|d}{i:1-4}, logical block {z:1000-90000000}, lost async page write",
            "igb 0000:{x:2}:00.{i:0-1} eno{i:1-4}: igb: eno{i:1-4} NIC Link is Up 1000 Mbps Full Duplex, Flow Control: RX",
            "md/raid1:md{i:0-3}: Disk failure on sd{p:a|b}{i:1-4}, disabling device.",
            "ipmi_si dmi-ipmi-si.0: Could not set the global enables: 0x{x:2}.",
        ],
    };
}
