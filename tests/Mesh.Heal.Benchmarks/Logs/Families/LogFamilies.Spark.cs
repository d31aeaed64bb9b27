namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private const string SparkTask = "{i:0-199}.{i:0-1} in stage {i:0-40}.{i:0-1} (TID {i:0-9999})";

    private static LogFamily Spark => new()
    {
        Name = "spark",
        System = "Apache Spark 1.6 executor",
        Source = "apache/spark core: executor/Executor.scala, CoarseGrainedExecutorBackend.scala, storage/memory/MemoryStore.scala, "
            + "BlockManager.scala, broadcast/TorrentBroadcast.scala, MapOutputTracker.scala, ShuffleBlockFetcherIterator.scala, "
            + "rdd/HadoopRDD.scala, SparkHadoopMapRedUtil.scala, SecurityManager.scala, util/Utils.scala (bytesToString) logInfo calls",
        Skew = 1.3,
        Lists = new Dictionary<string, string[]>
        {
            ["block"] = ["rdd_{i:0-50}_{i:0-199}", "broadcast_{i:0-60}_piece0", "broadcast_{i:0-60}_piece{i:1-3}"],
            ["host"] = ["mesos-slave-07", "mesos-slave-13", "mesos-slave-22", "mesos-master-1", "10.10.34.11", "10.10.34.29", "10.10.34.40"],
        },
        Tuned = new([DrainSettings.Ip, @"\b[KGTM]?B\b", @"([\w-]+\.){2,}[\w-]+"]),
        Events =
        [
            "Running task " + SparkTask,
            "Finished task " + SparkTask + ". {z:900-2700000} bytes result sent to driver",
            "Found block rdd_{i:0-50}_{i:0-199} locally",
            "Got assigned task {i:0-9999}",
            "Partition rdd_{i:0-50}_{i:0-199} not found, computing it",
            "Block {@block} stored as bytes in memory (estimated size {bytes}, free {bytes})",
            "Block broadcast_{i:0-60} stored as values in memory (estimated size {bytes}, free {bytes})",
            "Started reading broadcast variable {i:0-60}",
            "Reading broadcast variable {i:0-60} took {z:1-900} ms",
            "Getting {i:0-200} non-empty blocks out of {i:1-200} blocks",
            "Started {i:0-30} remote fetches in {z:0-900} ms",
            "Input split: hdfs://{@host}:8020/pjhe/test/{i:1-9}/part-{d:5}:{z:0-134217728}+{z:1-134217728}",
            "Updating epoch to {i:1-40} and clearing cache",
            "Don't have map outputs for shuffle {i:0-30}, fetching them",
            "Doing the fetch; tracker endpoint = NettyRpcEndpointRef(spark://MapOutputTracker@{@host}:{port})",
            "Got the output locations",
            "Saved output of task 'attempt_{d:12}_{d:4}_m_{d:6}_{i:0-1}' to hdfs://{@host}:8020/pjhe/test/output/_temporary/0/task_{d:12}_{d:4}_m_{d:6}",
            "attempt_{d:12}_{d:4}_m_{d:6}_{i:0-1}: Committed",
            "Executor is trying to kill task " + SparkTask,
            "Executor killed task " + SparkTask,
            "Exception in task " + SparkTask,
            "Lost task " + SparkTask + " on executor {i:1-40}: java.io.IOException (Connection reset by peer) [duplicate {i:1-20}]",
            "Registered signal handlers for [TERM, HUP, INT]",
            "Changing view acls to: {user}",
            "Changing modify acls to: {user}",
            "SecurityManager: authentication disabled; ui acls disabled; users with view permissions: Set({many:1-2:, :user}); users with modify permissions: Set({many:1-2:, :user})",
            "Slf4jLogger started",
            "Starting remoting",
            "Remoting started; listening on addresses :[akka.tcp://sparkExecutorActorSystem@{@host}:{port}]",
            "Successfully started service 'sparkExecutorActorSystem' on port {port}.",
            "Created local directory at /opt/hdfs/nodemanager/usercache/{user}/appcache/application_{d:13}_{d:4}/blockmgr-{uuid}",
            "MemoryStore started with capacity {f:100-20000:1} MB",
            "Connecting to driver: spark://CoarseGrainedScheduler@{ip}:{port}",
            "Successfully registered with driver",
            "Starting executor ID {i:1-40} on host {@host}",
            "Successfully started service 'org.apache.spark.network.netty.NettyBlockTransferService' on port {port}.",
            "Server created on {port}",
            "Trying to register BlockManager",
            "Registered BlockManager",
            "Driver commanded a shutdown",
            "MemoryStore cleared",
            "BlockManager stopped",
            "Shutting down remote daemon.",
            "Remote daemon shut down; proceeding with flushing remote transports.",
            "Shutdown hook called",
            "Deleting directory /opt/hdfs/nodemanager/usercache/{user}/appcache/application_{d:13}_{d:4}/spark-{uuid}",
            "Told to re-register on heartbeat",
            "Error sending result RpcResponse{{requestId={d:19}, body=NioManagedBuffer{{buf=java.nio.HeapByteBuffer[pos=0 lim={z:13-4096} cap={z:4096-65536}]}}}} to /{ip}:{port}; closing connection",
        ],
    };
}
