using System.Globalization;
using System.Text;

namespace Mesh.Heal.Benchmarks.Logs;

/// <summary>A labelled log corpus: lines of known events (the template each line was rendered from) in six formats, and
/// incidents (stack traces in .NET, Java, Python and Go) with a known root cause.</summary>
/// <remarks>
/// <para>
/// Events are written the way the libraries write them: Microsoft.Extensions.Logging's simple console (message on the next
/// line) and JSON console, Serilog's compact JSON, logback, Python's logging, and Go's log and logfmt. Their variables are
/// the usual ones (ids, numbers, durations, IPs, GUIDs, paths, URLs, e-mails, hex) and the hard ones: words drawn from a
/// small set (user names, status words), free text of varying length in quotes, and two events that differ in one word.
/// </para>
/// <para>
/// Incidents are kinds (an exception type and message shape, with its wrappers) rendered several times with other values,
/// frames and files; each kind's label is what a person reading it would call its cause. Some kinds are there because the
/// rules are likely to miss them (a pool timeout that names no pool, a generic exception with a telling message).
/// </para>
/// </remarks>
internal sealed class LogCorpus(int seed)
{
    private static readonly string[] Users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];
    private static readonly string[] Statuses = ["ok", "degraded", "failed", "pending"];
    private static readonly string[] Words = ["blue", "rapid", "silent", "north", "paper", "stone", "river", "amber", "quick", "lunar"];
    private readonly Random _random = new(seed);

    /// <summary>The events: a format, and a message pattern whose placeholders are variables.</summary>
    public static readonly (string Format, string Pattern)[] Events =
    [
        ("mel", "Request starting HTTP/1.1 GET {url} - - -"),
        ("mel", "Request finished HTTP/1.1 GET {url} - {code} {n} application/json {ms}"),
        ("mel", "Executing endpoint '{word} Orders.Api.{word}'"),
        ("mel", "Order {n} placed by {user} for {float} EUR"),
        ("mel", "Order {n} shipped to {user}"),
        ("mel", "Order {n} cancelled by {user}"),
        ("mel", "Cache {word} refreshed in {ms} ({n} entries)"),
        ("mel", "Health check {word} completed with status {status}"),
        ("melj", "Connection id \"{id}\", Request id \"{id}:{n}\": the connection was closed by the client."),
        ("melj", "Retrying call to {url} in {ms} (attempt {n} of 5)"),
        ("melj", "User {email} signed in from {ip}"),
        ("melj", "Payment {guid} authorised for {float} EUR"),
        ("melj", "Payment {guid} declined: {q}"),
        ("melj", "Writing {n} bytes to {path}"),
        ("melj", "Worker {n} picked job {n} for {user}"),
        ("melj", "Queue {word} depth is {n}"),
        ("serilog", "Loaded {n} products from {path} in {ms}"),
        ("serilog", "Inventory for SKU-{n} is {n} units"),
        ("serilog", "Reservation {guid} expired after {ms}"),
        ("serilog", "Sent e-mail to {email} with subject {q}"),
        ("serilog", "Feature flag {word} is {status} for tenant {n}"),
        ("serilog", "Token {hex} refreshed for client {id}"),
        ("serilog", "Search for {q} returned {n} results in {ms}"),
        ("serilog", "Disk {path} has {n} MiB free"),
        ("logback", "[http-nio-8080-exec-{n}] c.s.orders.OrderController - GET /orders/{n} answered {code} in {ms}"),
        ("logback", "[http-nio-8080-exec-{n}] c.s.orders.OrderService - loading order {n} for customer {n}"),
        ("logback", "[scheduler-{n}] c.s.billing.InvoiceJob - generated {n} invoices for {word}"),
        ("logback", "[main] o.s.b.w.e.tomcat.TomcatWebServer - Tomcat started on port {n} (http) with context path '{path}'"),
        ("logback", "[kafka-consumer-{n}] c.s.events.Listener - consumed offset {n} of partition {n} on topic {word}"),
        ("logback", "[http-nio-8080-exec-{n}] c.s.auth.LoginFilter - login of {user} from {ip} {status}"),
        ("logback", "[pool-{n}-thread-{n}] c.s.sync.Replicator - replicated {n} rows to {ip} in {ms}"),
        ("logback", "[http-nio-8080-exec-{n}] c.s.cart.CartService - cart {guid} has {n} items"),
        ("python", "app: GET /api/items/{n} {code} {ms}"),
        ("python", "app: item {n} updated by {user}"),
        ("python", "worker: task {hex} started with args ({n}, {q})"),
        ("python", "worker: task {hex} succeeded in {float}s"),
        ("python", "db: slow query took {ms}: SELECT * FROM items WHERE id = {n}"),
        ("python", "scheduler: next run of {word} at {time}"),
        ("python", "app: user {user} uploaded {path} ({n} bytes)"),
        ("python", "cache: miss for key items:{n}"),
        ("go", "serving {url} for {ip}"),
        ("go", "listening on {ip}"),
        ("go", "request {id} took {ms}"),
        ("go", "reconciled {n} objects in namespace {word}"),
        ("go", "leader election: {user} became leader of lease {word}"),
        ("gologfmt", "level=info msg=\"upstream {word} healthy\" latency={ms} addr={ip}"),
        ("gologfmt", "level=warn msg=\"retry budget low\" remaining={n} service={word}"),
        ("gologfmt", "level=error msg=\"dial failed\" addr={ip} err=\"connection refused\""),
        ("gologfmt", "level=info msg=\"flushed metrics\" series={n} duration={ms}"),
        ("gologfmt", "level=debug msg=\"cache stats\" hits={n} misses={n} ratio={float}"),

        // Added after the miner was tuned on the events above, and left as they score: two events one word apart, and
        // unquoted free text of varying length, which a fixed-length template cannot hold.
        ("mel", "Cache hit for user {user}"),
        ("mel", "Cache miss for user {user}"),
        ("logback", "[main] c.s.orders.Upstream - upstream said: {free}"),
    ];

    /// <summary>One line (or, for the simple console, two) of event <paramref name="id"/>, and the message the format carries.</summary>
    public IReadOnlyList<string> Render(int id, DateTimeOffset at)
    {
        var (format, pattern) = Events[id];
        var message = Fill(pattern);
        var ts = at.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture);
        var level = Pick(["info", "info", "info", "warn", "error"]);
        return format switch
        {
            "mel" => [$"{(level == "warn" ? "warn" : level == "error" ? "fail" : "info")}: Orders.Api.Handlers[{id}]", "      " + message],
            "melj" => [$"{{\"Timestamp\":\"{at:O}\",\"EventId\":{id},\"LogLevel\":\"{(level == "warn" ? "Warning" : level == "error" ? "Error" : "Information")}\",\"Category\":\"Payments.Api\",\"Message\":{Json(message)},\"State\":{{}}}}"],
            "serilog" => [$"{{\"@t\":\"{at:O}\",\"@m\":{Json(message)},\"@i\":\"{id:x8}\"{(level == "info" ? string.Empty : $",\"@l\":\"{(level == "warn" ? "Warning" : "Error")}\"")}}}"],
            "logback" => [$"{ts} {level.ToUpperInvariant(),-5} {message}"],
            "python" => [$"{ts} {level.ToUpperInvariant()} {message}"],
            "go" => [$"{at:yyyy/MM/dd HH:mm:ss} {message}"],
            _ => [$"ts={at:O} {message}"],
        };
    }

    /// <summary>The labelled lines: every record's event id, in order.</summary>
    public (List<string> Lines, List<int> Labels) Lines(int records)
    {
        var lines = new List<string>();
        var labels = new List<int>();
        var at = new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < records; i++)
        {
            // Zipf-like: a few events are most of the lines, as in real logs.
            var id = (int)Math.Min(Events.Length - 1, Math.Floor(Events.Length * Math.Pow(_random.NextDouble(), 2.2)));
            at = at.AddMilliseconds(_random.Next(1, 400));
            lines.AddRange(Render(id, at));
            labels.Add(id);
        }

        return (lines, labels);
    }

    private string Fill(string pattern)
    {
        var text = new StringBuilder();
        var i = 0;
        while (i < pattern.Length)
        {
            var open = pattern.IndexOf('{', i);
            if (open < 0)
            {
                text.Append(pattern, i, pattern.Length - i);
                break;
            }

            var close = pattern.IndexOf('}', open);
            text.Append(pattern, i, open - i);
            text.Append(Value(pattern[(open + 1)..close]));
            i = close + 1;
        }

        return text.ToString();
    }

    private string Value(string kind) => kind switch
    {
        "n" => _random.Next(0, 100_000).ToString(CultureInfo.InvariantCulture),
        "code" => Pick(["200", "201", "204", "400", "404", "500", "503"]),
        "float" => (_random.NextDouble() * 500).ToString("0.00", CultureInfo.InvariantCulture),
        "ms" => _random.Next(1, 5000).ToString(CultureInfo.InvariantCulture) + "ms",
        "ip" => $"10.{_random.Next(256)}.{_random.Next(256)}.{_random.Next(256)}:{_random.Next(1024, 65535)}",
        "guid" => new Guid(Bytes(16)).ToString(),
        "hex" => Convert.ToHexString(Bytes(8)).ToLowerInvariant(),
        "id" => "0HN" + Convert.ToHexString(Bytes(5)),
        "path" => "/var/lib/shop/" + Pick(Words) + "/" + _random.Next(1000).ToString(CultureInfo.InvariantCulture) + ".dat",
        "url" => $"http://{Pick(Words)}.shop.svc:8080/api/{Pick(Words)}/{_random.Next(10_000)}",
        "email" => $"{Pick(Users)}.{_random.Next(100)}@example.com",
        "user" => Pick(Users),
        "status" => Pick(Statuses),
        "word" => Pick(Words),
        "time" => $"{_random.Next(24):00}:{_random.Next(60):00}:{_random.Next(60):00}",
        "q" => "'" + string.Join(' ', Enumerable.Range(0, _random.Next(1, 4)).Select(_ => Pick(Words))) + "'",
        "free" => string.Join(' ', Enumerable.Range(0, _random.Next(2, 6)).Select(_ => Pick(Words))),
        _ => throw new ArgumentException($"unknown placeholder {kind}"),
    };

    private byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private string Pick(string[] values) => values[_random.Next(values.Length)];

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
