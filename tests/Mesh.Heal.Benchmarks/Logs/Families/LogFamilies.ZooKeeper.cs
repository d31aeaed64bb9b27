namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private const string Peer = "10.10.34.{i:11-40}";

    private static LogFamily ZooKeeper => new()
    {
        Name = "zookeeper",
        System = "Apache ZooKeeper 3.4 quorum server",
        HeldOut = true,
        Source = "apache/zookeeper 3.4 server: NIOServerCnxnFactory/NIOServerCnxn (Accepted socket connection, Closed socket "
            + "connection, EndOfStreamException), ZooKeeperServer (Client attempting to establish/renew session, Established "
            + "session, Expiring session), PrepRequestProcessor (Got user-level KeeperException), quorum/QuorumCnxManager "
            + "(Cannot open channel, Connection broken, Have smaller server identifier), FastLeaderElection (Notification), "
            + "Learner/LearnerHandler (Synchronizing with Follower, Sending DIFF/SNAP), FileTxnSnapLog LOG.info/warn calls",
        Skew = 1.2,
        Tuned = new([@"(/|)(\d+\.){3}\d+(:\d+)?"]),
        Events =
        [
            "Accepted socket connection from /" + Peer + ":{port}",
            "Closed socket connection for client /" + Peer + ":{port} which had sessionid 0x{x:15}",
            "Client attempting to establish new session at /" + Peer + ":{port}",
            "Established session 0x{x:15} with negotiated timeout {p:10000|20000|30000|40000} for client /" + Peer + ":{port}",
            "caught end of stream exception",
            "Closed socket connection for client /" + Peer + ":{port} (no session established for client)",
            "Processed session termination for sessionid: 0x{x:15}",
            "Expiring session 0x{x:15}, timeout of {p:10000|20000|30000|40000}ms exceeded",
            "Client attempting to renew session 0x{x:15} at /" + Peer + ":{port}",
            "Cannot open channel to {i:1-5} at election address /" + Peer + ":3888",
            "Connection broken for id {i:1-5}, my id = {i:1-5}, error = ",
            "Interrupting SendWorker",
            "Interrupted while waiting for message on queue",
            "Send worker leaving thread",
            "Exception causing close of session 0x{x:15} due to java.io.IOException: {p:Connection reset by peer|Broken pipe|Connection timed out}",
            "Notification time out: {p:400|800|1600|3200|6400|12800|25600|51200|60000}",
            "Notification: {i:1-5} (n.leader), 0x{x:9} (n.zxid), 0x{i:1-9} (n.round), {p:LOOKING|FOLLOWING|LEADING} (n.state), {i:1-5} (n.sid), 0x{i:0-9} (n.peerEPoch), {p:LOOKING|FOLLOWING|LEADING} (my state)",
            "Received connection request /" + Peer + ":{port}",
            "Have smaller server identifier, so dropping the connection: ({i:1-5}, {i:1-5})",
            "New election. My id =  {i:1-5}, proposed zxid=0x{x:9}",
            "Connection request from old client /" + Peer + ":{port}; will be dropped if server is in r-o mode",
            "Got user-level KeeperException when processing sessionid:0x{x:15} type:{p:create|delete|setData|multi} cxid:0x{x:3} zxid:0x{x:9} txntype:-1 reqpath:n/a Error Path:/{p:hbase|brokers|consumers|solr}/{p:rs|ids|locks|election}/{p:node|lock-|member_}{d:10} Error:KeeperErrorCode = {p:NodeExists|NoNode|NotEmpty|BadVersion} for /{p:hbase|brokers|consumers}/{p:rs|ids|locks}",
            "Too many connections from /" + Peer + " - max is {p:60|100}",
            "LOOKING",
            "FOLLOWING",
            "LEADING",
            "Getting a snapshot from leader",
            "Snapshotting: 0x{x:9} to /var/lib/zookeeper/version-2/snapshot.{x:9}",
            "Reading snapshot /var/lib/zookeeper/version-2/snapshot.{x:9}",
            "tickTime set to {p:2000|3000}",
            "minSessionTimeout set to -1",
            "maxSessionTimeout set to -1",
            "Created server with tickTime {p:2000|3000} minSessionTimeout {p:4000|6000} maxSessionTimeout {p:40000|60000} datadir /var/lib/zookeeper/version-2 snapdir /var/lib/zookeeper/version-2",
            "Follower sid: {i:1-5} : info : org.apache.zookeeper.server.quorum.QuorumPeer$QuorumServer@{x:8}",
            "Synchronizing with Follower sid: {i:1-5} maxCommittedLog=0x{x:9} minCommittedLog=0x{x:9} peerLastZxid=0x{x:9}",
            "Sending {p:DIFF|SNAP|TRUNC} zxid=0x{x:9}  for peer sid: {i:1-5}",
            "Unexpected exception causing shutdown while sock still open",
            "******* GOODBYE /" + Peer + ":{port} ********",
            "shutdown of request processor complete",
            "Revalidating client: 0x{x:15}",
            "Unable to read additional data from client sessionid 0x{x:15}, likely client has closed socket",
            "Ignoring unexpected exception during socket close",
            "Closing connection to peer {i:1-5}",
            "My election bind port: /" + Peer + ":3888",
            "Leader election took {z:1-60000}ms",
            "Accepting connections",
            "Shutting down",
        ],
    };
}
