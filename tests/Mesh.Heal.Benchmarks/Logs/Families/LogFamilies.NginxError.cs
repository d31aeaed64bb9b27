namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private const string Ctx = ", client: {ip}, server: {@server}, request: \"{@method} {@uri} HTTP/{p:1.1|1.1|2.0|1.0}\"";

    private static LogFamily NginxError => new()
    {
        Name = "nginx-error",
        System = "nginx 1.2x error.log (reverse proxy + static + PHP-FPM)",
        HeldOut = true,
        Source = "nginx/nginx src: http/ngx_http_upstream.c (connect() failed, upstream timed out, no live upstreams, upstream "
            + "prematurely closed, buffered to a temporary file), http/ngx_http_request.c (client intended to send too large "
            + "body), http/modules/ngx_http_static_module.c (open() failed), ngx_http_limit_req_module.c (limiting requests, "
            + "excess), ngx_http_access_module.c, ngx_http_index_module.c, event/ngx_event_openssl.c (SSL_do_handshake() failed), "
            + "os/unix/ngx_process_cycle.c (start worker process, exited on signal), core/nginx.c banner lines; the message "
            + "follows the \"2024/01/05 10:41:02 [error] 1234#1234: \" header",
        Skew = 1.2,
        Lists = new Dictionary<string, string[]>
        {
            ["server"] = ["api.example.com", "www.example.com", "_", "shop.example.org", "{ip}"],
            ["method"] = ["GET", "GET", "GET", "POST", "PUT", "HEAD"],
            ["uri"] = ["/", "/api/v1/{p:orders|users|carts}/{i:1-99999}", "/favicon.ico", "/static/{x:8}.{p:js|css|png}", "/index.php?{p:id|page|q}={i:1-999}", "/wp-login.php", "/.env", "/api/v1/{p:orders|users}?page={i:1-90}&size={p:20|50}"],
            ["up"] = ["http://127.0.0.1:{p:8080|3000|5000}{@uri}", "http://{ip}:{p:8080|9000}{@uri}", "fastcgi://unix:/run/php/php{p:7.4|8.2}-fpm.sock:"],
            ["hostpart"] = [", host: \"{@server}\"", ", host: \"{@server}\"", ", host: \"{@server}\", referrer: \"https://{@server}{@uri}\"", ", host: \"{@server}\"", ", host: \"{@server}\"", ", host: \"{@server}\", referrer: \"https://{@server}{@uri}\"", ", host: \"{@server}\"", ""],
        },
        Tuned = new([DrainSettings.Ip, @"\*\d+", @"/[^\s,""]*"]),
        Events =
        [
            "*{z:1-9000000} connect() failed (111: Connection refused) while connecting to upstream" + Ctx + ", upstream: \"{@up}\"{@hostpart}",
            "*{z:1-9000000} upstream timed out (110: Connection timed out) while reading response header from upstream" + Ctx + ", upstream: \"{@up}\"{@hostpart}",
            "open() \"/usr/share/nginx/html{p:/favicon.ico|/robots.txt|/apple-touch-icon.png|/.env|/wp-login.php}\" failed (2: No such file or directory)" + Ctx + "{@hostpart}",
            "*{z:1-9000000} limiting requests, excess: {f:0-50:3} by zone \"{p:one|api|login}\", client: {ip}, server: {@server}, request: \"{@method} {@uri} HTTP/1.1\"{@hostpart}",
            "*{z:1-9000000} recv() failed (104: Connection reset by peer) while reading response header from upstream" + Ctx + ", upstream: \"{@up}\"{@hostpart}",
            "*{z:1-9000000} upstream prematurely closed connection while reading response header from upstream" + Ctx + ", upstream: \"{@up}\"{@hostpart}",
            "*{z:1-9000000} no live upstreams while connecting to upstream" + Ctx + ", upstream: \"http://{p:backend|api_upstream|app}{@uri}\"{@hostpart}",
            "*{z:1-9000000} client intended to send too large body: {z:1048577-900000000} bytes" + Ctx + "{@hostpart}",
            "*{z:1-9000000} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/{i:0-9}/{i:10-99}/{d:10} while reading upstream" + Ctx + ", upstream: \"{@up}\"{@hostpart}",
            "*{z:1-9000000} SSL_do_handshake() failed (SSL: error:{X:8}:SSL routines:{p:ssl3_read_bytes:sslv3 alert bad certificate:SSL alert number 42|tls_early_post_process_client_hello:unsupported protocol|tls_process_client_hello:version too low}) while SSL handshaking, client: {ip}, server: 0.0.0.0:443",
            "*{z:1-9000000} access forbidden by rule" + Ctx + "{@hostpart}",
            "*{z:1-9000000} directory index of \"/var/www/html/{p:|uploads/|backup/|static/}\" is forbidden" + Ctx + "{@hostpart}",
            "*{z:1-9000000} FastCGI sent in stderr: \"PHP message: PHP {p:Warning|Notice|Fatal error}:  {words:3-9} in /var/www/html/{p:index|wp-includes/functions|app/Http/Kernel}.php on line {i:1-900}\" while reading response header from upstream" + Ctx + ", upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\"{@hostpart}",
            "*{z:1-9000000} upstream sent too big header while reading response header from upstream" + Ctx + ", upstream: \"{@up}\"{@hostpart}",
            "*{z:1-9000000} client {ip} closed keepalive connection",
            "*{z:1-9000000} client timed out (110: Connection timed out) while waiting for request, client: {ip}, server: 0.0.0.0:{p:80|443}",
            "*{z:1-9000000} invalid host in upstream \"{p:backend|backend:99999|10.0.0.5:99999}\"" + Ctx,
            "worker process {pid} exited on signal {p:9|11|6}",
            "start worker process {pid}",
            "signal {p:1|3|15} ({p:SIGHUP|SIGQUIT|SIGTERM}) received from {pid}, {p:reconfiguring|shutting down|exiting}",
            "gracefully shutting down",
            "exiting",
            "exit",
            "signal process started",
            "reconfiguring",
            "using the \"epoll\" event method",
            "nginx/1.2{i:0-5}.{i:0-4}",
            "built by gcc {p:10.2.1 20210110 (Debian 10.2.1-6)|12.2.0 (Debian 12.2.0-14)|8.5.0 20210514 (Red Hat 8.5.0-4) (GCC)}",
            "OS: Linux {p:5.10.0-26-amd64|6.1.0-18-amd64|4.18.0-477.13.1.el8_8.x86_64}",
            "getrlimit(RLIMIT_NOFILE): {p:1024|65536|1048576}:{p:4096|65536|1048576}",
            "start worker processes",
            "using inherited sockets from \"{i:6-8};{i:7-9};\"",
            "conflicting server name \"{@server}\" on 0.0.0.0:{p:80|443}, ignored",
            "\"ssl_stapling\" ignored, issuer certificate not found for certificate \"/etc/ssl/{p:example|shop}.crt\"",
            "could not build optimal server_names_hash, you should increase either server_names_hash_max_size: 512 or server_names_hash_bucket_size: 64; ignoring server_names_hash_bucket_size",
        ],
    };
}
