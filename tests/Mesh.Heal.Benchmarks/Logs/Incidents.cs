using System.Globalization;

namespace Mesh.Heal.Benchmarks.Logs;

/// <summary>Incident kinds: an exception (type, message, wrappers) or an error line, in one of the four languages, with the
/// root cause a person would name; rendered as the log lines a service would write.</summary>
internal static class Incidents
{
    public sealed record Kind(string Language, string Cause, string Type, string Message, string? Wrapper = null, string? WrapperMessage = null);

    public static readonly Kind[] Kinds =
    [
        new("dotnet", "null-pointer", "System.NullReferenceException", "Object reference not set to an instance of an object."),
        new("dotnet", "null-pointer", "System.ArgumentNullException", "Value cannot be null. (Parameter 'customer')"),
        new("dotnet", "null-pointer", "System.InvalidOperationException", "Nullable object must have a value."),
        new("dotnet", "timeout", "System.TimeoutException", "The operation was canceled.", "System.Threading.Tasks.TaskCanceledException", "The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing."),
        new("dotnet", "timeout", "Polly.Timeout.TimeoutRejectedException", "The operation didn't complete within the allowed timeout of '00:00:02'."),
        new("dotnet", "timeout", "System.TimeoutException", "Timeout during reading attempt", "Npgsql.NpgsqlException", "Exception while reading from stream"),
        new("dotnet", "timeout", "Microsoft.Data.SqlClient.SqlException", "Execution Timeout Expired.  The timeout period elapsed prior to completion of the operation or the server is not responding."),
        new("dotnet", "timeout", "Grpc.Core.RpcException", "Status(StatusCode=\"DeadlineExceeded\", Detail=\"Deadline Exceeded\")"),
        new("dotnet", "validation", "System.FormatException", "The input string 'abc' was not in a correct format."),
        new("dotnet", "validation", "System.Text.Json.JsonException", "'x' is an invalid start of a value. Path: $ | LineNumber: 0 | BytePositionInLine: 0."),
        new("dotnet", "validation", "System.ArgumentOutOfRangeException", "Specified argument was out of the range of valid values. (Parameter 'quantity')"),
        new("dotnet", "validation", "Microsoft.AspNetCore.Http.BadHttpRequestException", "Failed to read parameter \"int id\" from the request body as JSON."),
        new("dotnet", "resource-exhaustion", "System.OutOfMemoryException", "Exception of type 'System.OutOfMemoryException' was thrown."),
        new("dotnet", "resource-exhaustion", "System.InvalidOperationException", "Timeout expired.  The timeout period elapsed prior to obtaining a connection from the pool.  This may have occurred because all pooled connections were in use and max pool size was reached."),
        new("dotnet", "resource-exhaustion", "System.IO.IOException", "Too many open files"),
        new("dotnet", "dependency-failure", "System.Net.Sockets.SocketException", "Connection refused", "System.Net.Http.HttpRequestException", "Connection refused (payments:8080)"),
        new("dotnet", "dependency-failure", "System.Net.Http.HttpRequestException", "Response status code does not indicate success: 503 (Service Unavailable)."),
        new("dotnet", "dependency-failure", "Polly.CircuitBreaker.BrokenCircuitException", "The circuit is now open and is not allowing calls."),
        new("dotnet", "dependency-failure", "Grpc.Core.RpcException", "Status(StatusCode=\"Unavailable\", Detail=\"failed to connect to all addresses\")"),
        new("dotnet", "unknown", "System.InvalidOperationException", "Sequence contains no elements"),
        new("dotnet", "unknown", "System.Collections.Generic.KeyNotFoundException", "The given key 'eu-west' was not present in the dictionary."),
        new("java", "null-pointer", "java.lang.NullPointerException", "Cannot invoke \"com.shop.Customer.getName()\" because \"customer\" is null"),
        new("java", "null-pointer", "java.lang.NullPointerException", "", "org.springframework.web.util.NestedServletException", "Request processing failed; nested exception is java.lang.NullPointerException"),
        new("java", "timeout", "java.net.SocketTimeoutException", "Read timed out"),
        new("java", "timeout", "java.util.concurrent.TimeoutException", "", "java.util.concurrent.ExecutionException", "java.util.concurrent.TimeoutException"),
        new("java", "timeout", "org.springframework.web.client.ResourceAccessException", "I/O error on GET request for \"http://payments:8080/charge\": Read timed out"),
        new("java", "validation", "java.lang.NumberFormatException", "For input string: \"abc\""),
        new("java", "validation", "java.lang.IllegalArgumentException", "quantity must be positive"),
        new("java", "validation", "org.springframework.web.bind.MethodArgumentNotValidException", "Validation failed for argument [0] in public Order create(OrderRequest): [Field error in object 'orderRequest' on field 'email']"),
        new("java", "resource-exhaustion", "java.lang.OutOfMemoryError", "Java heap space"),
        new("java", "resource-exhaustion", "java.sql.SQLTransientConnectionException", "HikariPool-1 - Connection is not available, request timed out after 30000ms."),
        new("java", "resource-exhaustion", "java.util.concurrent.RejectedExecutionException", "Task java.util.concurrent.FutureTask@5e9f23b4 rejected from java.util.concurrent.ThreadPoolExecutor@4b1210ee[Running, pool size = 200, active threads = 200, queued tasks = 1000]"),
        new("java", "dependency-failure", "java.net.ConnectException", "Connection refused"),
        new("java", "dependency-failure", "java.net.UnknownHostException", "payments: Name or service not known"),
        new("java", "dependency-failure", "org.springframework.web.client.HttpServerErrorException", "503 Service Unavailable: [no body]"),
        new("java", "unknown", "java.lang.IllegalStateException", "Unexpected order state: SHIPPED"),
        new("java", "unknown", "java.util.ConcurrentModificationException", ""),
        new("python", "null-pointer", "AttributeError", "'NoneType' object has no attribute 'total'"),
        new("python", "null-pointer", "TypeError", "'NoneType' object is not subscriptable"),
        new("python", "timeout", "requests.exceptions.ReadTimeout", "HTTPConnectionPool(host='payments', port=8080): Read timed out. (read timeout=5)"),
        new("python", "timeout", "asyncio.exceptions.TimeoutError", ""),
        new("python", "timeout", "socket.timeout", "timed out"),
        new("python", "validation", "ValueError", "invalid literal for int() with base 10: 'abc'"),
        new("python", "validation", "pydantic.error_wrappers.ValidationError", "1 validation error for Item"),
        new("python", "validation", "KeyError", "'price'"),
        new("python", "resource-exhaustion", "MemoryError", ""),
        new("python", "resource-exhaustion", "OSError", "[Errno 24] Too many open files: '/var/lib/shop/cache.db'"),
        new("python", "resource-exhaustion", "RecursionError", "maximum recursion depth exceeded while calling a Python object"),
        new("python", "dependency-failure", "requests.exceptions.ConnectionError", "HTTPConnectionPool(host='payments', port=8080): Max retries exceeded with url: /charge (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f2b>: Failed to establish a new connection: [Errno 111] Connection refused'))"),
        new("python", "dependency-failure", "psycopg2.OperationalError", "could not connect to server: Connection refused"),
        new("python", "dependency-failure", "redis.exceptions.ConnectionError", "Error 111 connecting to redis:6379. Connection refused."),
        new("python", "unknown", "ZeroDivisionError", "division by zero"),
        new("python", "unknown", "RuntimeError", "dictionary changed size during iteration"),
        new("go", "null-pointer", "panic", "runtime error: invalid memory address or nil pointer dereference"),
        new("go", "timeout", "error", "context deadline exceeded"),
        new("go", "timeout", "error", "Get \"http://payments:8080/charge\": net/http: request canceled (Client.Timeout exceeded while awaiting headers)"),
        new("go", "validation", "error", "strconv.Atoi: parsing \"abc\": invalid syntax"),
        new("go", "validation", "error", "json: cannot unmarshal string into Go struct field Order.quantity of type int"),
        new("go", "resource-exhaustion", "fatal", "runtime: out of memory"),
        new("go", "resource-exhaustion", "error", "accept tcp [::]:8080: accept4: too many open files"),
        new("go", "dependency-failure", "error", "dial tcp 10.0.0.5:5432: connect: connection refused"),
        new("go", "dependency-failure", "error", "dial tcp: lookup payments on 10.96.0.10:53: no such host"),
        new("go", "unknown", "panic", "unexpected order state \"shipped\""),
    ];

    /// <summary>The log lines of one occurrence of <paramref name="kind"/>: a header line and its trace, in a format its language writes.</summary>
    public static List<string> Render(Kind kind, Random random)
    {
        var n = random.Next(1, 500).ToString(CultureInfo.InvariantCulture);
        string Frame(string method, string file) => $"{method}:{random.Next(10, 300)}|{file}";
        var frames = new[] { Frame("Handlers.Get", "Handlers"), Frame("OrderService.Load", "OrderService"), Frame("Repository.Find", "Repository") }
            .Take(random.Next(1, 4)).ToList();
        switch (kind.Language)
        {
            case "dotnet":
            {
                var trace = new List<string>();
                var header = kind.Wrapper is null ? $"{kind.Type}: {kind.Message}" : $"{kind.Wrapper}: {kind.WrapperMessage} ---> {kind.Type}: {kind.Message}";
                trace.Add(header);
                trace.AddRange(frames.Select(f => $"   at Shop.Orders.{f.Split(':')[0]}(String id) in /src/Shop.Orders/{f.Split('|')[1]}.cs:line {f.Split(':')[1].Split('|')[0]}"));
                trace.Add("   at Microsoft.AspNetCore.Routing.EndpointMiddleware.Invoke(HttpContext httpContext)");
                if (kind.Wrapper is not null)
                {
                    trace.Add("   --- End of inner exception stack trace ---");
                    trace.Add("   at Shop.Orders.Client.SendAsync() in /src/Shop.Orders/Client.cs:line 40");
                }

                return random.Next(3) switch
                {
                    0 => ["fail: Microsoft.AspNetCore.Server.Kestrel[13]", $"      Connection id \"0HN{n}\", Request id \"0HN{n}:00000002\": An unhandled exception was thrown by the application.", .. trace.Select(t => "      " + t)],
                    1 => [System.Text.Json.JsonSerializer.Serialize(new { EventId = 13, LogLevel = "Error", Category = "Microsoft.AspNetCore.Server.Kestrel", Message = $"Connection id \"0HN{n}\": An unhandled exception was thrown by the application.", Exception = string.Join('\n', trace) })],
                    _ => ["Unhandled exception. " + trace[0], .. trace[1..]],
                };
            }

            case "java":
            {
                var lines = new List<string> { $"2026-12-01 10:00:{random.Next(60):00},{random.Next(1000):000} ERROR [http-nio-8080-exec-{n}] c.s.orders.OrderController - request {n} failed" };
                if (kind.Wrapper is not null)
                {
                    lines.Add($"{kind.Wrapper}: {kind.WrapperMessage}");
                    lines.Add("\tat org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1014)");
                    lines.Add(kind.Message.Length == 0 ? $"Caused by: {kind.Type}" : $"Caused by: {kind.Type}: {kind.Message}");
                }
                else
                {
                    lines.Add(kind.Message.Length == 0 ? kind.Type : $"{kind.Type}: {kind.Message}");
                }

                lines.AddRange(frames.Select(f => $"\tat com.shop.orders.{f.Split(':')[0]}({f.Split('|')[1]}.java:{f.Split(':')[1].Split('|')[0]})"));
                lines.Add("\tat org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:166)");
                if (kind.Wrapper is not null)
                {
                    lines.Add("\t... 48 more");
                }

                return lines;
            }

            case "python":
            {
                var lines = new List<string> { $"2026-12-01 10:00:{random.Next(60):00},{random.Next(1000):000} ERROR app: Exception on /orders/{n} [GET]", "Traceback (most recent call last):",
                    "  File \"/usr/lib/python3/dist-packages/flask/app.py\", line 1473, in wsgi_app", "    response = self.full_dispatch_request()" };
                lines.AddRange(frames.SelectMany(f => new[] { $"  File \"/srv/shop/{f.Split('|')[1].ToLowerInvariant()}.py\", line {f.Split(':')[1].Split('|')[0]}, in {f.Split(':')[0].Split('.')[1].ToLowerInvariant()}", "    return do_it()" }));
                lines.Add(kind.Message.Length == 0 ? kind.Type : $"{kind.Type}: {kind.Message}");
                return lines;
            }

            default:
                return kind.Type switch
                {
                    "panic" => [$"2026/12/01 10:00:{random.Next(60):00} serving /orders/{n}", $"panic: {kind.Message}", "", $"goroutine {n} [running]:",
                        .. frames.SelectMany(f => new[] { $"main.{f.Split(':')[0].Split('.')[1]}(0x0, {{0xc000012345, 0x1}})", $"\t/src/shop/{f.Split('|')[1].ToLowerInvariant()}.go:{f.Split(':')[1].Split('|')[0]} +0x1c" }),
                        "net/http.HandlerFunc.ServeHTTP(0x0?, {0x7f1, 0xc0000a2000}, 0x0?)", "\t/usr/local/go/src/net/http/server.go:2136 +0x29", "exit status 2"],
                    "fatal" => [$"fatal error: {kind.Message}", "", "runtime stack:", "runtime.throw({0x6a0f2b, 0x16})", "\t/usr/local/go/src/runtime/panic.go:1047 +0x5d"],
                    _ => random.Next(2) == 0
                        ? [$"ts=2026-12-01T10:00:{random.Next(60):00}Z level=error msg=\"request failed\" path=/orders/{n} err=\"{kind.Message.Replace("\"", "\\\"", StringComparison.Ordinal)}\""]
                        : [$"2026/12/01 10:00:{random.Next(60):00} ERROR handling /orders/{n}: {kind.Message}"],
                };
        }
    }
}
