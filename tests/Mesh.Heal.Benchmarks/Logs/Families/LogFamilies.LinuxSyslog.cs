namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private static LogFamily LinuxSyslog => new()
    {
        Name = "linux-syslog",
        System = "Linux server /var/log/messages (2.6 era)",
        Source = "Linux-PAM pam_unix (support.c, pam_unix_sess.c, pam_unix_auth.c); sysklogd syslogd.c/klogd.c; Linux 2.6 printk "
            + "(arch/i386/kernel/setup.c e820, mm/page_alloc.c, init/calibrate.c, mm/oom_kill.c, net/socket.c, drivers/net, "
            + "drivers/usb/core/hub.c); initscripts initlog (\"%s startup succeeded\"); wu-ftpd ftpd.c; xinetd; net-snmp; "
            + "logrotate; cups",
        Skew = 1.2,
        Lists = new Dictionary<string, string[]>
        {
            ["daemon"] = ["cupsd", "syslogd", "klogd", "irqbalance", "portmap", "rpc.statd", "sshd", "xinetd", "sendmail", "sm-client", "crond", "anacron", "atd", "httpd", "named", "ntpd", "gpm", "smartd", "mdmonitor", "bluetooth"],
            ["e820"] = ["usable", "reserved", "ACPI data", "ACPI NVS"],
        },
        Tuned = new([DrainSettings.Ip, @"\d{2}:\d{2}:\d{2}"], Similarity: 0.39, Depth: 6),
        Events =
        [
            "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost={host}",
            "check pass; user unknown",
            "session opened for user {user} by (uid={p:0|0|0|500|48})",
            "session closed for user {user}",
            "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost={host}  user={user}",
            "connection from {ip} ({host}) at {ctime}",
            "connection from {ip} () at {ctime}",
            "ANONYMOUS FTP LOGIN FROM {ip}, {p:anonymous|guest|mozilla@|IEUser@|lftp@}",
            "session opened for user {user} by LOGIN(uid=0)",
            "{@daemon} startup succeeded",
            "{@daemon} shutdown succeeded",
            "ALERT exited abnormally with [1]",
            "Received SNMP packet(s) from {ip}",
            "START: {p:ftp|telnet|rsync|rsh} pid={pid} from={ip}",
            "EXIT: {p:ftp|telnet|rsync|rsh} pid={pid} duration={i:0-900}(sec)",
            "syslogd 1.4.1: restart.",
            "klogd 1.4.1, log source = /proc/kmsg started.",
            "Kernel logging (proc) stopped.",
            "Kernel log daemon terminating.",
            "exiting on signal 15",
            "Linux version 2.6.5-1.358 (bhcompile@bugs.build.redhat.com) (gcc version 3.3.3 20040412 (Red Hat Linux 3.3.3-7)) #1 {ctime}",
            "BIOS-e820: {X:16} - {X:16} ({@e820})",
            "{i:0-4}MB HIGHMEM available.",
            "{i:100-900}MB LOWMEM available.",
            "Kernel command line: ro root=LABEL=/ rhgb quiet",
            "Detected {f:500-3200:3} MHz processor.",
            "Calibrating delay loop... {f:900-6400:2} BogoMIPS",
            "Memory: {i:100000-900000}k/{i:100000-900000}k available ({i:1000-2500}k kernel code, {i:5000-20000}k reserved, {i:500-1500}k data, {i:100-300}k init, {i:0-4096}k highmem)",
            "CPU: L1 I cache: {p:8|16|32}K, L1 D cache: {p:8|16|32}K",
            "CPU: L2 cache: {p:128|256|512|1024}K",
            "NET: Registered protocol family {i:1-17}",
            "Out of Memory: Killed process {pid} ({p:httpd|java|mysqld|sendmail|perl}).",
            "eth0: link up, {p:10|100}Mbps, {p:full|half}-duplex, lpa 0x{X:4}",
            "usb {i:1-4}-{i:1-4}: new {p:full|low} speed USB device using address {i:2-9}",
            "hda: {p:WDC WD800JB-00JJC0|ST340014A|Maxtor 6Y080L0}, ATA DISK drive",
            "audit(1122475266.4294965305:0): initialized",
            "ACPI: Subsystem revision {d:8}",
            "Initializing CPU#{i:0-3}",
            "Bluetooth: Core ver 2.{i:3-8}",
            "Bluetooth: {p:L2CAP|RFCOMM|HCI USB driver|BNEP (Ethernet Emulation)} ver {f:0-2:1}",
            "gdm_slave_xioerror_handler: Fatal X error - Restarting :0",
            "imps2: Auto-detected intellimouse PS/2",
            "Unable to open display \":0\".",
            "Version 1.0.6 Starting",
            "No such user {user}",
        ],
    };
}
