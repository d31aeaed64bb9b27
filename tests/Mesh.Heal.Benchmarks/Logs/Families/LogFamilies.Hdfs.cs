namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    // A data node of a rack: the cluster's own subnet, as in a real HDFS deployment.
    private const string Dn = "10.25{i:0-1}.{i:0-255}.{i:2-254}";

    private static LogFamily Hdfs => new()
    {
        Name = "hdfs",
        System = "Hadoop HDFS 0.20 DataNode + NameNode",
        Source = "apache/hadoop 0.20 DataXceiver.java, BlockReceiver.java (PacketResponder), DataNode.java, FSDataset.java, "
            + "FSNamesystem.java (BLOCK* NameSystem.*), DataBlockScanner.java, PendingReplicationBlocks.java LOG.info/warn calls",
        Skew = 1.25,
        Tuned = new([@"blk_-?\d+", DrainSettings.Ip]),
        Events =
        [
            "Receiving block {blk} src: /" + Dn + ":{port} dest: /" + Dn + ":50010",
            "BLOCK* NameSystem.addStoredBlock: blockMap updated: " + Dn + ":50010 is added to {blk} size {z:1024-67108864}",
            "PacketResponder {i:0-2} for block {blk} terminating",
            "Received block {blk} of size {z:1024-67108864} from /" + Dn,
            "BLOCK* NameSystem.allocateBlock: /user/root/{p:rand|sortrand|randtxt|rand8}/_temporary/_task_{d:12}_{d:4}_{p:m|r}_{d:6}_{i:0-1}/part-{d:5}. {blk}",
            Dn + ":50010 Served block {blk} to /" + Dn,
            "Deleting block {blk} file /mnt/hadoop/dfs/data/current/subdir{i:0-63}/{blk}",
            "BLOCK* NameSystem.delete: {blk} is added to invalidSet of " + Dn + ":50010",
            "Verification succeeded for {blk}",
            Dn + ":50010:Got exception while serving {blk} to /" + Dn + ":",
            "BLOCK* ask " + Dn + ":50010 to delete {many:1-9: :blk}",
            "Receiving empty packet for block {blk}",
            "PacketResponder {blk} {i:0-2} Exception java.io.IOException: Broken pipe",
            "Exception in receiveBlock for block {blk} java.io.IOException: Connection reset by peer",
            "writeBlock {blk} received exception java.io.IOException: Could not read from stream",
            Dn + ":50010:DataXceiver: java.io.IOException: Block {blk} is valid, and cannot be written to.",
            "PacketResponder {i:0-2} for block {blk} Interrupted.",
            "BLOCK* ask " + Dn + ":50010 to replicate {blk} to datanode(s) {many:1-2: :ip}",
            Dn + ":50010 Starting thread to transfer block {blk} to {many:1-2: :ip}",
            Dn + ":50010:Transmitted block {blk} to /" + Dn + ":50010",
            "Changing block file offset of block {blk} from {z:1-67108864} to {z:1-67108864} meta file offset to {z:7-524288}",
            "BLOCK* NameSystem.addStoredBlock: Redundant addStoredBlock request received for {blk} on " + Dn + ":50010 size {z:1024-67108864}",
            "Reopen already-open Block for append {blk}",
            "Unexpected error trying to delete block {blk}. BlockInfo not found in volumeMap.",
            "BLOCK* Removing block {blk} from neededReplications as it does not belong to any file.",
            "PendingReplicationMonitor timed out block {blk}",
            Dn + ":50010:DataXceiver: java.io.EOFException",
            "Adding an already existing block {blk}",
            "BLOCK* NameSystem.addStoredBlock: addStoredBlock request received for {blk} on " + Dn + ":50010 size {z:1024-67108864} But it does not belong to any file.",
            "DataNode registration from " + Dn + ":50010 storage DS-{d:9}-" + Dn + "-50010-{d:13}",
            "BLOCK* NameSystem.registerDatanode: node registration from " + Dn + ":50010 storage DS-{d:9}-" + Dn + "-50010-{d:13}",
            "BLOCK* NameSystem.heartbeatCheck: lost heartbeat from " + Dn + ":50010",
            "Starting Periodic block scanner.",
            "Periodic Block Verification scan initialized with interval {i:1-3}{p:0|4}{p:0|8}000.",
            "Roll Edit Log from " + Dn,
            "Number of transactions: {z:1-5000} Total time for transactions(ms): {z:1-900}Number of transactions batched in Syncs: {z:0-300} Number of syncs: {z:1-3000} SyncTimes(ms): {z:1-90000} ",
        ],
    };
}
