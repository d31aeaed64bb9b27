namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private const string Attempt = "attempt_{@app}_{p:m|m|m|r}_0000{i:10-99}_{i:0-1}";

    private static LogFamily MapReduce => new()
    {
        Name = "mapreduce",
        System = "Hadoop 2 MapReduce ApplicationMaster",
        Source = "apache/hadoop hadoop-mapreduce-client-app: TaskAttemptImpl, TaskImpl, JobImpl (state transitions), "
            + "RMContainerAllocator (scheduling stats), RMCommunicator, ContainerLauncherImpl, TaskAttemptListenerImpl, "
            + "MRAppMaster, JobHistoryEventHandler; hadoop-common ipc.Client (retrying connect) LOG.info calls",
        Skew = 1.35,
        Lists = new Dictionary<string, string[]>
        {
            ["app"] = ["1445144423722_0020", "1445144423722_0021", "1445087491445_0005", "1445182159119_0013"],
            ["state"] = ["NEW", "UNASSIGNED", "ASSIGNED", "RUNNING", "SUCCESS_CONTAINER_CLEANUP", "SUCCEEDED", "FAIL_CONTAINER_CLEANUP", "KILLED", "FAILED"],
            ["host"] = ["MININT-FNANLI5.fareast.corp.microsoft.com", "MSRA-SA-39.fareast.corp.microsoft.com", "04DN8IQ.fareast.corp.microsoft.com", "minint-75dgdam1.fareast.corp.microsoft.com"],
            ["jstate"] = ["NEW", "INITED", "SETUP", "RUNNING", "COMMITTING", "SUCCEEDED", "KILL_WAIT", "FAIL_ABORT", "FAILED"],
            ["event"] = ["CONTAINER_REMOTE_LAUNCH", "CONTAINER_REMOTE_CLEANUP"],
        },
        Tuned = new([DrainSettings.Ip]),
        Events =
        [
            Attempt + " TaskAttempt Transitioned from {@state} to {@state}",
            "Progress of TaskAttempt " + Attempt + " is : {f:0-1:7}",
            "Before Scheduling: PendingReds:{i:0-1} ScheduledMaps:{i:0-12} ScheduledReds:{i:0-1} AssignedMaps:{i:0-12} AssignedReds:{i:0-1} CompletedMaps:{i:0-12} CompletedReds:{i:0-1} ContAlloc:{i:0-20} ContRel:{i:0-3} HostLocal:{i:0-12} RackLocal:{i:0-5}",
            "After Scheduling: PendingReds:{i:0-1} ScheduledMaps:{i:0-12} ScheduledReds:{i:0-1} AssignedMaps:{i:0-12} AssignedReds:{i:0-1} CompletedMaps:{i:0-12} CompletedReds:{i:0-1} ContAlloc:{i:0-20} ContRel:{i:0-3} HostLocal:{i:0-12} RackLocal:{i:0-5}",
            "Recalculating schedule, headroom=<memory:{i:0-8192}, vCores:{i:-3-8}>",
            "Reduce slow start threshold not met. completedMapsForReduceSlowstart {i:1-13}",
            "task_{@app}_{p:m|r}_0000{i:10-99} Task Transitioned from {@state} to {@state}",
            "Processing the event EventType: {@event} for container container_{@app}_01_0000{i:10-99} taskAttempt " + Attempt,
            "Assigned container container_{@app}_01_0000{i:10-99} to " + Attempt,
            "Received completed container container_{@app}_01_0000{i:10-99}",
            "Diagnostics report from " + Attempt + ": Container killed by the ApplicationMaster.",
            "TaskAttempt: [" + Attempt + "] using containerId: [container_{@app}_01_0000{i:10-99} on NM: [{@host}:{i:50000-65000}]",
            "Opening proxy : {@host}:{i:50000-65000}",
            "Launching " + Attempt,
            "Shuffle port returned by ContainerManager for " + Attempt + " : 13562",
            "ATTEMPT_START task_{@app}_{p:m|r}_0000{i:10-99}",
            "JVM with ID : jvm_{@app}_{p:m|r}_{d:12} asked for a task",
            "JVM with ID: jvm_{@app}_{p:m|r}_{d:12} given task: " + Attempt,
            "Done acknowledgement from " + Attempt,
            "Num completed Tasks: {i:1-14}",
            "getResources() for application_{@app}: ask={i:0-5} release= {i:0-3} newContainers={i:0-6} finishedContainers={i:0-6} resourcelimit=<memory:{i:0-9216}, vCores:{i:-4-8}> knownNMs={i:1-4}",
            "Address change detected. Old: {@host}/{ip}:{i:8030-8032} New: {@host}:{i:8030-8032}",
            "Retrying connect to server: {@host}/{ip}:{i:8030-8032}. Already tried {i:0-9} time(s); retry policy is RetryUpToMaximumCountWithFixedSleep(maxRetries=10, sleepTime=1000 MILLISECONDS)",
            "ERROR IN CONTACTING RM. ",
            "Failed to renew lease for [DFSClient_NONMAPREDUCE_{d:10}_1] for {i:30-900} seconds.  Will retry shortly ...",
            "MapCompletionEvents request from " + Attempt + ". startIndex {i:0-12} maxEvents {i:1000-10000}",
            "Auth successful for job_{@app} (auth:SIMPLE)",
            "{@event} for container container_{@app}_01_0000{i:10-99} taskAttempt " + Attempt + " failed with java.net.ConnectException: Connection refused",
            "job_{@app}Job Transitioned from {@jstate} to {@jstate}",
            "Created MRAppMaster for application appattempt_{@app}_0000{i:10-99}",
            "Executing with tokens:",
            "Kind: YARN_AM_RM_TOKEN, Service: , Ident: (appAttemptId {{ application_id {{ id: {i:1-40} cluster_timestamp: {d:13} }} attemptId: {i:1-2} }} keyId: {i:-2000000000-2000000000})",
            "Using mapred newApiCommitter.",
            "OutputCommitter set in config null",
            "Default file system [hdfs://{@host}:9000]",
            "Event Writer setup for JobId: job_{@app}, File: hdfs://{@host}:9000/tmp/hadoop-yarn/staging/{user}/.staging/job_{@app}/job_{@app}_1.jhist",
            "Input size for job job_{@app} = {z:1000000-2000000000}. Number of splits = {i:1-20}",
            "Number of reduces for job job_{@app} = {i:1-2}",
            "maxContainerCapability: <memory:{i:4096-16384}, vCores:{i:4-32}>",
            "mapResourceRequest:<memory:1024, vCores:1>",
            "Upper limit on the thread pool size is {i:100-500}",
            "Adding job token for job_{@app} to jobTokenSecretManager",
            "Calling handler for JobFinishedEvent ",
            "Killing taskAttempt:" + Attempt + " because it is running on unusable node:{@host}:{i:50000-65000}",
            "Scheduling a redundant attempt for task task_{@app}_{p:m|r}_0000{i:10-99}",
        ],
    };
}
