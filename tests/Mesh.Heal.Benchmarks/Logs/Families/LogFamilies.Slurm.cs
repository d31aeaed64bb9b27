namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private static LogFamily Slurm => new()
    {
        Name = "slurm",
        System = "Slurm slurmctld (HPC batch scheduler)",
        Source = "SchedMD/slurm src/slurmctld: job_mgr.c (_job_complete, job_time_limit, job_signal), job_scheduler.c "
            + "(sched: Allocate JobId=), proc_req.c (_slurm_rpc_*), backfill.c, node_mgr.c (not responding, update_node, "
            + "validate_node_specs), power_save.c, controller.c info()/error()/debug() calls",
        Skew = 1.3,
        Lists = new Dictionary<string, string[]>
        {
            ["nodes"] = ["cn{i:100-999}", "cn[{i:100-499}-{i:500-999}]", "cn[{i:100-299},{i:300-599}-{i:600-999}]", "gpu{i:10-39}", "gpu[{i:10-19}-{i:20-39}]", "bigmem01"],
            ["part"] = ["batch", "debug", "gpu", "long", "short"],
            ["reason"] = ["Not responding", "Kill task failed", "hw fault replaced DIMM", "{user} maintenance {date}", "Low RealMemory", "NHC: check_fs_mount: /scratch not mounted"],
        },
        Tuned = new([@"=\d+"]),
        Events =
        [
            "_slurm_rpc_submit_batch_job: JobId={i:100000-999999} InitPrio={i:1000-99999} usec={z:50-90000}",
            "sched: Allocate JobId={i:100000-999999} NodeList={@nodes} #CPUs={z:1-512} Partition={@part}",
            "_job_complete: JobId={i:100000-999999} WEXITSTATUS {p:0|0|0|1|2|127}",
            "_job_complete: JobId={i:100000-999999} done",
            "backfill: Started JobId={i:100000-999999} in {@part} on {@nodes}",
            "_slurm_rpc_complete_batch_script JobId={i:100000-999999}: Job/step already completing or completed",
            "_job_complete: JobId={i:100000-999999} WTERMSIG {p:9|15|6}",
            "job_time_limit: Time limit exhausted for JobId={i:100000-999999}",
            "_slurm_rpc_kill_job: REQUEST_KILL_JOB JobId={i:100000-999999} uid {i:1000-60000}",
            "job_signal: {p:9|15|10} of running JobId={i:100000-999999} successful 0x{X:8}",
            "backfill: completed testing {i:0-500}({i:0-500}) jobs, usec={z:100-2000000}",
            "cleanup_completing: JobId={i:100000-999999} completion process took {z:1-900} seconds",
            "_slurm_rpc_allocate_resources JobId={i:100000-999999} NodeList={@nodes} usec={z:50-90000}",
            "error: Nodes {@nodes} not responding",
            "Nodes {@nodes} not responding, setting DOWN",
            "Node {@nodes} now responding",
            "update_node: node {@nodes} reason set to: {@reason}",
            "update_node: node {@nodes} state set to {p:DRAINING|DRAINED|IDLE|DOWN}",
            "validate_node_specs: Node {@nodes} unexpectedly rebooted boot_time={d:10} last response={d:10}",
            "error: slurm_receive_msg [{ip}:{port}]: Zero Bytes were transmitted or received",
            "_pick_best_nodes: JobId={i:100000-999999} never runnable in partition {@part}",
            "Resending TERMINATE_JOB request JobId={i:100000-999999} Nodelist={@nodes}",
            "error: _find_node_record({i:700-800}): lookup failure for {p:cn|gpu}{d:3}",
            "power_save: suspending nodes {@nodes}",
            "power_save: resuming nodes {@nodes}",
            "_job_requeue: requeueing JobId={i:100000-999999} due to node failure",
            "error: Batch JobId={i:100000-999999} missing from batch node {@nodes} (not found BatchStartTime after startup), Requeuing job",
            "Registering slurmctld at port 6817 with slurmdbd",
            "slurmctld version 20.11.{i:3-9} started on cluster {p:hpc|orion|lyra}",
            "Recovered state of {i:10-900} nodes",
            "Recovered information about {i:0-9000} jobs",
            "SchedulerParameters=default_queue_depth={i:100-1000},max_rpc_cnt={i:0-150},max_sched_time={i:2-8},partition_job_depth=0,sched_max_job_start=0,sched_min_interval=2",
            "error: Security violation, {p:REQUEST_KILL_JOB|REQUEST_UPDATE_NODE} RPC from uid={i:1000-60000}",
            "job_submit.lua: {user} submitted {i:1-1000} array tasks to {@part}",
            "Terminate signal (SIGINT or SIGTERM) received",
            "Saving all slurm state",
        ],
    };
}
