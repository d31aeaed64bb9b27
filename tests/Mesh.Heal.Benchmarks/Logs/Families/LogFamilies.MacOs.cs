namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private static LogFamily MacOs => new()
    {
        Name = "macos",
        System = "macOS 10.11-10.13 system.log (kernel, launchd, daemons)",
        HeldOut = true,
        Source = "apple-oss-distributions/xnu: iokit/Kernel/IOPMrootDomain.cpp (Wake reason, PMRD), IOHibernateIO.cpp "
            + "(hibernate_page_list_setall, IOHibernatePollerOpen), bsd/kern/kern_cs.c (CODE SIGNING: cs_invalid_page); "
            + "launchd's \"Service exited with abnormal code\" / \"due to signal\"; mDNSResponder mDNSCore; configd IPMonitor "
            + "(network changed); Sandbox deny(1) lines; IO80211Family/AirPort link lines; syslogd's last message repeated",
        Skew = 1.1,
        Lists = new Dictionary<string, string[]>
        {
            ["proc"] = ["Google Chrome Helper", "Google Chrome He", "com.apple.WebKit.WebContent", "Microsoft Word", "Spotlight", "mdworker", "Dropbox", "Slack Helper", "storeaccountd", "Safari", "QQ", "corespeechd"],
            ["op"] = ["file-read-data", "file-write-create", "mach-lookup", "network-outbound", "file-read-metadata", "sysctl-read"],
            ["wake"] = ["RTC (Alarm)", "EC.LidOpen (User)", "XHC1", "ARPT (Network)", "EC.SleepTimer (SleepTimer)", "OHC1 EHC1 (User)"],
        },
        Tuned = new([@"([\w-]+\.){2,}[\w-]+"], Similarity: 0.7, Depth: 6),
        Events =
        [
            "ARPT: {i:60000-999999}.{d:6}: wl0: setup_keepalive: {p:Local|Remote} IP: {ip}",
            "{p:en0|awdl0}: BSSID changed to {mac}",
            "AirPort: Link {p:Up|Down} on {p:en0|awdl0}",
            "Sandbox: {@proc}({pid}) deny(1) {@op} {path}",
            "AirPort: Link Down on en0. Reason {p:8 (Disassociated because station leaving)|1 (Unspecified)|4 (Disassociated due to inactivity)}.",
            "Service exited with abnormal code: {i:1-255}",
            "Service exited due to {p:SIGKILL|SIGTERM|SIGABRT|SIGSEGV} | sent by {p:launchd|mds|kernel|ReportCrash}[{pid}]",
            "Wake reason: {@wake}",
            "PMRD: System Sleep",
            "PMRD: System Wake",
            "DarkWake from Deep Idle [CDNVA] : due to {@wake}",
            "hibernate_page_list_setall(preflight {i:0-1}) start",
            "hibernate_page_list_setall time: {z:10-2000} ms",
            "pages {z:100000-4000000}, wire {z:10000-900000}, act {z:10000-900000}, inact {z:0-900000}, cleaned {z:0-9000} spec {z:0-90000}, zf {z:0-9000}, throt 0, compr {z:0-900000}, xpmapped {z:10000-90000}",
            "IOHibernatePollerOpen, ml_get_interrupts_enabled 0",
            "hibernate image path: /var/vm/sleepimage",
            "CODE SIGNING: cs_invalid_page(0x{x:9}): p={pid}[{@proc}] final status 0x{x:8}, denying page sending SIGKILL",
            "network changed: v4(en0{p:+|-|!}:{ip}) DNS{p:+|-|!} Proxy{p:+|-|!} SMB",
            "mDNS_DeregisterInterface: Frequent transitions for interface {p:en0|awdl0|utun0} ({ip})",
            "mDNSPlatformSendUDP sendto({i:3-90}) failed to send packet on InterfaceID {x:8} {p:en0|awdl0} to {ip}:{p:5353|53} skt {i:3-90} error -1 errno {p:65|50|51} (No route to host)",
            "--- last message repeated {i:1-60} time{p:|s} ---",
            "Previous sleep cause: {p:5|-128|3}",
            "Previous shutdown cause: {p:5|3|-128|-60}",
            "IOThunderboltSwitch<0x{x:16}>(0x0)::listenerCallback - Thunderbolt HPD packet for route = 0x0 port = {i:1-12} unplug = {i:0-1}",
            "AppleThunderboltNHIType2::prePCIWake - power up complete - took {i:1-9} us",
            "IO80211AWDLPeerManager::setAwdlSuspendedMode() Suspending AWDL, enterQuietMode(true)",
            "en0: channel changed to {p:1|6|11|36|44|149|157}{p:|,+1|,80}",
            "tcp_connection_handle_connect_conditions_bad {i:10-900} failed: {p:3|50|61} - {p:No network route|Connection refused}",
            "{@proc}[{pid}]: objc[{pid}]: Class {p:FIFinderSyncExtensionHost|AVInstanceCounter} is implemented in both {path} and {path}. One of the two will be used. Which one is undefined.",
            "setting hostname to \"{host}\"",
            "ASL Sender Statistics",
            "Unable to connect to the display. Error: {i:1000-1010}",
            "Process {@proc} [{pid}] crashed; report written to /Library/Logs/DiagnosticReports/{@proc}_{date}-{d:6}_{host}.crash",
            "USBMSC Identifier (non-unique): {X:12} 0x{x:4} 0x{x:4} 0x{x:4}, {i:2-3}",
            "Thermal pressure state: {i:0-4} Memory pressure state: {i:0-4}",
        ],
    };
}
