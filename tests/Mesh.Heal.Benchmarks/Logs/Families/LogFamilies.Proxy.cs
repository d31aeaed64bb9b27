namespace Mesh.Heal.Benchmarks.Logs.Families;

internal static partial class LogFamilies
{
    private const string Conn = "{@target}:{p:443|443|443|80|80|5228|8080|993}";

    private static LogFamily Proxy => new()
    {
        Name = "proxy",
        System = "Proxifier-style client proxy connection log (Windows)",
        Source = "Proxifier for Windows documentation (Connections and Traffic log lines: open through proxy, close with bytes "
            + "sent/received and lifetime, error codes 10060/10061/11001, rule matching) and the Winsock error texts it prints; "
            + "the message part follows the \"[time] program.exe - \" header",
        Skew = 0.9,
        Lists = new Dictionary<string, string[]>
        {
            ["target"] = ["www.google.com", "clients4.google.com", "mtalk.google.com", "ssl.gstatic.com", "api.github.com", "github.com", "{ip}", "{ip}", "login.live.com", "outlook.office365.com", "d.dropbox.com", "client-s.gateway.messenger.live.com", "update.googleapis.com", "{host}", "{host}", "cdn-{i:1-40}.akamaized.net", "pool-{i:1-99}.vpn.example.org"],
            ["proxy"] = ["proxy.corp.example.com:3128", "proxy.corp.example.com:3128", "proxy.corp.example.com:3128", "proxy.corp.example.com:3128", "proxy.corp.example.com:3128", "10.0.0.8:1080", "socks.lab.example.net:1080"],
            ["rule"] = ["Default", "Default", "Localhost", "Office 365", "Browsers", "No proxy for intranet"],
        },
        Tuned = new([@"<\d+\ssec", @"([\w-]+\.)+[\w-]+(:\d+)?", @"\d{2}:\d{2}(:\d{2})*", @"[KGTM]B"], Similarity: 0.6, Depth: 3),
        Events =
        [
            Conn + " open through proxy {@proxy} {p:HTTPS|HTTPS|SOCKS5}",
            Conn + " close, {size} sent, {size} received, lifetime {life}",
            Conn + " error : Could not connect to proxy {@proxy} - connection attempt failed with error {p:10061|10060}",
            Conn + " error : A connection request was canceled before the completion.",
            "Could not resolve {@target} error {p:11001|11001|11001|11004}",
            Conn + " matching {@rule} rule : using proxy {@proxy}",
            Conn + " open directly",
            Conn + " error : Could not connect through proxy {@proxy} - Proxy server cannot establish a connection with the target, status code {p:502|503|504}",
            Conn + " error : Could not connect through proxy {@proxy} - Proxy closed the connection unexpectedly.",
            Conn + " error : Connection reset by remote side (error 10054)",
            Conn + " matching {@rule} rule : direct connection",
            Conn + " matching {@rule} rule : blocked",
            "{@target} DNS request through proxy {@proxy} resolved to {ip}",
            "Traffic: {size} sent, {size} received, {i:1-999} connections, {i:0-40} active",
            "Proxy Checker: {@proxy} {p:test passed|test failed - connection refused|test failed - timeout}",
            "Welcome to Proxifier v{p:3.31|3.42|4.03}",
            "Profile saved as: C:\\Users\\{name}\\AppData\\Roaming\\Proxifier\\Profiles\\{p:Default|Office|Home}.ppx",
            "Name Resolution through proxy is {p:enabled|disabled}",
            Conn + " error : Could not connect through proxy {@proxy} - Proxy server authentication failed",
            Conn + " error : Connection timed out (error 10060)",
            Conn + " open through proxy {@proxy} {p:HTTPS|SOCKS5} (IPv6)",
        ],
    };
}
