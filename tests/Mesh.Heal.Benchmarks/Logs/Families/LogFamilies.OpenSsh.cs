namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private static LogFamily OpenSsh => new()
    {
        Name = "openssh",
        System = "OpenSSH sshd 7.x on an exposed host",
        Source = "openssh-portable auth.c (auth_log: \"%s %s%s for %s%.100s from %.200s port %d ssh2%s\"), auth2.c, sshd.c, "
            + "canohost.c, packet.c, monitor.c, kex.c; Linux-PAM pam_unix (modules/pam_unix/support.c, pam_unix_sess.c); "
            + "rsyslog's \"message repeated N times: [ ]\"",
        Skew = 1.2,
        Tuned = new([DrainSettings.Ip, @"([\w-]+\.){2,}[\w-]+"], Similarity: 0.6, Depth: 5),
        Events =
        [
            "Failed password for {user} from {ip} port {port} ssh2",
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user={user}",
            "Received disconnect from {ip} port {port}:11: Bye Bye [preauth]",
            "Disconnected from authenticating user {user} {ip} port {port} [preauth]",
            "Invalid user {user} from {ip} port {port}",
            "input_userauth_request: invalid user {user} [preauth]",
            "Failed password for invalid user {user} from {ip} port {port} ssh2",
            "pam_unix(sshd:auth): check pass; user unknown",
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}",
            "Disconnected from invalid user {user} {ip} port {port} [preauth]",
            "reverse mapping checking getaddrinfo for {host} [{ip}] failed - POSSIBLE BREAK-IN ATTEMPT!",
            "Connection closed by authenticating user {user} {ip} port {port} [preauth]",
            "Connection closed by {ip} port {port} [preauth]",
            "PAM {i:2-5} more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user={user}",
            "message repeated {i:2-5} times: [ Failed password for {user} from {ip} port {port} ssh2]",
            "Accepted password for {user} from {ip} port {port} ssh2",
            "Accepted publickey for {user} from {ip} port {port} ssh2: {p:RSA|ED25519|ECDSA} SHA256:{b64:43}",
            "pam_unix(sshd:session): session opened for user {user} by (uid=0)",
            "pam_unix(sshd:session): session closed for user {user}",
            "Received disconnect from {ip} port {port}:11: disconnected by user",
            "Disconnected from user {user} {ip} port {port}",
            "Did not receive identification string from {ip} port {port}",
            "Connection reset by {ip} port {port} [preauth]",
            "error: maximum authentication attempts exceeded for {user} from {ip} port {port} ssh2 [preauth]",
            "Disconnecting authenticating user {user} {ip} port {port}: Too many authentication failures [preauth]",
            "PAM service(sshd) ignoring max retries; {i:6-9} > 3",
            "Address {ip} maps to {host}, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!",
            "Unable to negotiate with {ip} port {port}: no matching key exchange method found. Their offer: {many:1-4:,:p:diffie-hellman-group1-sha1|diffie-hellman-group14-sha1|diffie-hellman-group-exchange-sha1} [preauth]",
            "Bad protocol version identification '{p:GET / HTTP/1.1|SSH-1.5-NmapNSE_1.0|\\x16\\x03\\x01|MGLNDD_22}' from {ip} port {port}",
            "Protocol major versions differ for {ip} port {port}: SSH-2.0-OpenSSH_7.4 vs. SSH-1.5-{p:Nmap-SSH1-Hostkey|NmapNSE_1.0}",
            "User {user} from {ip} not allowed because not listed in AllowUsers",
            "fatal: Read from socket failed: Connection reset by peer [preauth]",
            "error: Received disconnect from {ip} port {port}:3: com.jcraft.jsch.JSchException: Auth fail [preauth]",
            "Postponed publickey for {user} from {ip} port {port} ssh2 [preauth]",
            "Timeout, client not responding from {user} {ip} port {port}",
            "Server listening on {p:0.0.0.0|::} port 22.",
            "Received signal 15; terminating.",
            "error: kex_exchange_identification: Connection closed by remote host",
            "error: kex_exchange_identification: banner line contains invalid characters",
            "banner exchange: Connection from {ip} port {port}: invalid format",
            "ssh_dispatch_run_fatal: Connection from {ip} port {port}: {p:message authentication code incorrect|Broken pipe|Connection corrupted} [preauth]",
            "Nasty PTR record \"{ip}\" is set up for {ip}, ignoring",
            "subsystem request for sftp by user {user}",
        ],
    };
}
