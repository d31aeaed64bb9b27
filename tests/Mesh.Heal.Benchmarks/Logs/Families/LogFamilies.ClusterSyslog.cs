namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private static LogFamily ClusterSyslog => new()
    {
        Name = "cluster-syslog",
        System = "Cluster admin/compute syslog (dhcpd, ntpd, cron, postfix, kernel)",
        HeldOut = true,
        Source = "isc-dhcp server/dhcp.c (DHCPDISCOVER/OFFER/REQUEST/ACK/NAK/RELEASE/INFORM log lines with the optional "
            + "(server id); the optional (client hostname) is left out, as a cluster's PXE-booting nodes send none); "
            + "ntp ntpd/ntp_proto.c, ntp_loopfilter.c; vixie-cron do_command.c (\"(%s) CMD (%s)\"); postfix smtpd/qmgr/"
            + "smtp/cleanup msg_info calls; Linux-PAM pam_unix; drivers/net/e1000 and bonding printk; syslog-ng banner",
        Skew = 1.15,
        Lists = new Dictionary<string, string[]>
        {
            ["node"] = ["{p:an|bn|cn|dn|en}{i:1-999}", "tbird-admin{i:1-2}", "tbird-sm{i:1-2}"],
            ["cmd"] = ["run-parts /etc/cron.hourly", "/usr/lib/sa/sa1 1 1", "/usr/lib64/sa/sa2 -A", "/opt/sbin/check_node_health.sh > /dev/null 2>&1", "[ -x /usr/sbin/ganglia-collect ] && /usr/sbin/ganglia-collect --quiet", "/usr/bin/mrtg /etc/mrtg/mrtg.cfg --logging /var/log/mrtg.log"],
            ["eth"] = ["eth0", "eth1", "ib0"],
            ["client"] = ["unknown", "{@node}"],
            ["relay"] = ["local", "mail.example.org[{ip}]:25"],
            ["sent"] = ["delivered to mailbox", "250 2.0.0 Ok: queued as {X:10}"],
            ["qid"] = ["{X:10}", "{X:11}"],
        },
        Tuned = new([DrainSettings.Ip]),
        Events =
        [
            "DHCPREQUEST for {ip} ({ip}) from {mac} via {@eth}",
            "DHCPACK on {ip} to {mac} via {@eth}",
            "DHCPDISCOVER from {mac} via {@eth}",
            "DHCPOFFER on {ip} to {mac} via {@eth}",
            "({p:root|root|root|ganglia|nagios}) CMD ({@cmd})",
            "session opened for user {user} by (uid=0)",
            "session closed for user {user}",
            "synchronized to {ip}, stratum {i:1-4}",
            "DHCPREQUEST for {ip} from {mac} via {@eth}",
            "connect from {@client}[{ip}]",
            "disconnect from {@client}[{ip}]",
            "{@qid}: client={p:unknown|localhost}[{ip}]",
            "{@qid}: message-id=<{d:14}.{X:8}@{@node}.{p:localdomain|cluster}>",
            "{@qid}: from=<{user}@{@node}.localdomain>, size={z:300-90000}, nrcpt={i:1-3} (queue active)",
            "{@qid}: to=<{user}@{p:localhost|mail.example.org}>, relay={@relay}, delay={f:0-9:1}, delays={f:0-3:2}/{f:0-1:2}/{f:0-1:2}/{f:0-3:2}, dsn=2.0.0, status=sent ({@sent})",
            "{@qid}: removed",
            "time reset {p:+|-}{f:0-2:6} s",
            "kernel time sync enabled {p:0001|4001|6001}",
            "DHCPNAK on {ip} to {mac} via {@eth}",
            "DHCPRELEASE of {ip} from {mac} via {@eth} (found)",
            "DHCPINFORM from {ip} via {@eth}",
            "Wrote {i:0-300} leases to leases file.",
            "no free leases on subnet {ip}",
            "e1000: {@eth}: e1000_watchdog: NIC Link is {p:Up 1000 Mbps Full Duplex|Down}",
            "bonding: bond0: link status definitely {p:down|up} for interface {@eth}{p:|, 1000 Mbps full duplex}.",
            "ntpd 4.2.0a@1.1190-r {ctime} (1)",
            "ntpd exiting on signal 15",
            "frequency initialized {f:-60-60:3} PPM from /var/lib/ntp/drift",
            "syslog-ng starting up; version='2.0.{i:1-9}'",
            "syslog-ng shutting down; version='2.0.{i:1-9}'",
            "Accepted publickey for {user} from {ip} port {port} ssh2",
            "Job {i:10000-99999}.{@node} exceeded walltime, killing",
            "scan_for_terminated: task {i:1-9} terminated, sid {pid}",
            "[ib_sm_sweep.c:{i:1000-2000}]: {p:No topology change|Topology changed|Sweep completed}",
            "warning: {@client}[{ip}]: address not listed for hostname {@node}",
            "(CRON) STARTUP (fork ok)",
            "Out of Memory: Killed process {pid} ({p:java|mpirun|a.out}).",
            "START: {p:shell|login|rsync} pid={pid} from={ip}",
        ],
    };
}
