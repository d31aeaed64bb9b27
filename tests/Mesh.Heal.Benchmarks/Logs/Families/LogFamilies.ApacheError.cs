namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private static LogFamily ApacheError => new()
    {
        Name = "apache-error",
        System = "Apache httpd 2.2/2.4 error_log (+ mod_jk, PHP)",
        HeldOut = true,
        Source = "apache/httpd: server/core.c, server/request.c, modules/mappers/mod_dir.c/mod_autoindex.c, modules/aaa/mod_authz_core.c "
            + "(AH01630), server/mpm/prefork and event (AH00161, AH00485, AH00169), server/log.c, server/main.c (AH00094), "
            + "modules/proxy/mod_proxy_fcgi.c (AH01071), modules/ssl (AH01909, AH02032); tomcat-connectors mod_jk "
            + "(jk_child_init, ajp_connect_to_endpoint); PHP's error_log lines as httpd writes them",
        Skew = 1.25,
        Lists = new Dictionary<string, string[]>
        {
            ["client"] = ["[client {ip}]", "[client {ip}:{port}]"],
            ["file"] = ["/var/www/html/{p:favicon.ico|robots.txt|wp-login.php|phpmyadmin|admin/config.php|.env|cgi-bin/test.cgi}", "/var/www/html/{p:images|static|assets}/{x:8}.{p:png|js|css}", "/var/www/html/{p:wp-content/plugins|vendor/phpunit/phpunit/src/Util/PHP}/{p:eval-stdin.php|revslider|wp-file-manager}"],
            ["php"] = ["Undefined variable: {p:id|user|page|row}", "Undefined index: {p:id|action|lang|q}", "mysqli_connect(): (HY000/2002): Connection refused", "Cannot modify header information - headers already sent by (output started at /var/www/html/{p:index|header|config}.php:{i:1-300})"],
        },
        Tuned = new([DrainSettings.Ip]),
        Events =
        [
            "{@client} File does not exist: {@file}",
            "{@client} AH01630: client denied by server configuration: {@file}",
            "{@client} Directory index forbidden by Options directive: /var/www/html/{p:icons|images|uploads|backup}/",
            "jk2_init() Found child {pid} in scoreboard slot {i:0-12}",
            "workerEnv.init() ok /etc/httpd/conf/workers2.properties",
            "mod_jk child workerEnv in error state {i:6-9}",
            "{@client} AH01071: Got error 'Primary script unknown'",
            "{@client} script '/var/www/html/{x:6}.php' not found or unable to stat",
            "{@client} PHP Warning:  {@php} in /var/www/html/{p:index|page|lib/db|inc/functions}.php on line {i:1-900}",
            "{@client} PHP Notice:  {@php} in /var/www/html/{p:index|page|lib/db|inc/functions}.php on line {i:1-900}, referer: http://{host}/{p:|index.php|login}",
            "{@client} AH00124: Request exceeded the limit of 10 internal redirects due to probable configuration error. Use 'LimitInternalRecursion' to increase the limit if necessary. Use 'LogLevel debug' to get a backtrace.",
            "{@client} (104)Connection reset by peer: AH01075: Error dispatching request to :",
            "{@client} (70007)The timeout specified has expired: AH01075: Error dispatching request to {ip}:{p:9000|8080}:",
            "{@client} AH02032: Hostname {host} provided via SNI and hostname {host} provided via HTTP are different",
            "{@client} Invalid method in request {p:\\x16\\x03\\x01|GET|CONNECT} {p:|/|HTTP/1.1}",
            "{@client} request failed: error reading the headers",
            "{@client} client sent HTTP/1.1 request without hostname (see RFC2616 section 14.23): /",
            "{@client} user {user} not found: /{p:admin|manager/html|private}",
            "{@client} user {user}: authentication failure for \"/{p:admin|manager/html|private}\": Password Mismatch",
            "AH00161: server reached MaxRequestWorkers setting, consider raising the MaxRequestWorkers setting",
            "AH00485: scoreboard is full, not at MaxRequestWorkers",
            "AH00169: caught SIGTERM, shutting down",
            "AH00171: Graceful restart requested, doing restart",
            "AH00493: SIGUSR1 received.  Doing graceful restart",
            "AH00489: Apache/2.4.{i:6-58} ({p:CentOS|Ubuntu|Unix}) {p:OpenSSL/1.0.2k-fips|PHP/7.4.33|mod_jk/1.2.48} configured -- resuming normal operations",
            "AH00094: Command line: '/usr/sbin/{p:httpd -D FOREGROUND|apache2}'",
            "AH00558: {p:httpd|apache2}: Could not reliably determine the server's fully qualified domain name, using {ip}. Set the 'ServerName' directive globally to suppress this message",
            "Apache/2.0.{i:40-59} (Unix) mod_jk/1.2.{i:4-9} configured -- resuming normal operations",
            "Digest: generating secret for digest authentication ...",
            "Digest: done",
            "caught SIGTERM, shutting down",
            "AH01909: {host}:443:0 server certificate does NOT include an ID which matches the server name",
            "AH00687: Negotiation: discovered file(s) matching request: /var/www/html/{p:index|error/HTTP_NOT_FOUND.html} (None could be negotiated).",
            "child pid {pid} exit signal {p:Segmentation fault (11)|Aborted (6)|Bus error (7)}",
            "AH00052: child pid {pid} exit signal {p:Segmentation fault (11)|Aborted (6)}",
            "[jk_ajp_common.c ({i:900-1100})]: (worker{i:1-4}) connecting to backend failed. Tomcat is probably not started or is listening on the wrong port (errno={p:111|110|113})",
            "mod_jk child init {i:1-3} {i:-2-0}",
            "AH00492: caught SIGWINCH, shutting down gracefully",
        ],
    };
}
