namespace Mesh.Heal.Agents.Tests.Logs;

/// <summary>Stack traces as the four runtimes print them.</summary>
internal static class Samples
{
    public const string DotnetSimpleConsole = """
        fail: Microsoft.AspNetCore.Server.Kestrel[13]
              Connection id "0HN8K1", Request id "0HN8K1:00000002": An unhandled exception was thrown by the application.
              System.NullReferenceException: Object reference not set to an instance of an object.
                 at Orders.Api.OrderEndpoints.<>c.<Map>b__0_0(String id) in /src/Orders.Api/OrderEndpoints.cs:line 14
                 at lambda_method1(Closure, Object, HttpContext)
                 at Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpProtocol.ProcessRequests[TContext](IHttpApplication`1 application)
        info: Orders.Api[1]
              Served /orders/2
        """;

    public const string DotnetJson =
        """{"EventId":13,"LogLevel":"Error","Category":"Microsoft.AspNetCore.Server.Kestrel","Message":"Connection id \u00220HN8K1\u0022, Request id \u00220HN8K1:00000002\u0022: An unhandled exception was thrown by the application.","Exception":"System.InvalidOperationException: Order 42 failed ---\u003E System.FormatException: The input string 'abc' was not in a correct format.\n   at System.Number.ThrowFormatException[TChar](ReadOnlySpan\u00601 value)\n   at Orders.Api.Quantities.Read(String text) in /src/Orders.Api/Quantities.cs:line 9\n   --- End of inner exception stack trace ---\n   at Orders.Api.OrderEndpoints.Post(String q) in /src/Orders.Api/OrderEndpoints.cs:line 30","State":{"Message":"x"}}""";

    public const string SerilogCompact =
        """{"@t":"2026-12-01T10:00:01.1234567Z","@mt":"Payment {PaymentId} declined","@l":"Error","@x":"System.TimeoutException: The operation has timed out.\n   at Payments.Gateway.Charge() in /app/Gateway.cs:line 77","PaymentId":991}""";

    public const string Java = """
        2026-12-01 10:00:02,113 ERROR [http-nio-8080-exec-3] c.s.orders.OrderController - request failed
        org.springframework.web.util.NestedServletException: Request processing failed; nested exception is java.lang.IllegalStateException: wrapped
        	at org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1014)
        	at javax.servlet.http.HttpServlet.service(HttpServlet.java:655)
        Caused by: java.lang.NullPointerException: Cannot invoke "com.shop.Customer.getName()" because "customer" is null
        	at com.shop.orders.OrderService.describe(OrderService.java:42)
        	at com.shop.orders.OrderController.get(OrderController.java:27)
        	... 48 more
        2026-12-01 10:00:02,200 INFO  [main] c.s.orders.App - next
        """;

    public const string Python = """
        2026-12-01 10:00:03,501 ERROR app: Exception on /orders/7 [GET]
        Traceback (most recent call last):
          File "/usr/lib/python3/dist-packages/flask/app.py", line 1473, in wsgi_app
            response = self.full_dispatch_request()
          File "/srv/shop/orders.py", line 31, in get_order
            return jsonify(total=order.total)
        AttributeError: 'NoneType' object has no attribute 'total'
        2026-12-01 10:00:03,502 INFO app: ok
        """;

    public const string Go = """
        2026/12/01 10:00:04 serving /orders/9
        panic: runtime error: invalid memory address or nil pointer dereference
        [signal SIGSEGV: segmentation violation code=0x1 addr=0x10 pc=0x4a1b2c]

        goroutine 7 [running]:
        main.(*store).total(0x0, {0xc000012345, 0x1})
        	/src/shop/store.go:58 +0x1c
        main.orderHandler({0x7f1, 0xc0000a2000}, 0xc0000b4000)
        	/src/shop/main.go:23 +0x85
        net/http.HandlerFunc.ServeHTTP(0x0?, {0x7f1, 0xc0000a2000}, 0x0?)
        	/usr/local/go/src/net/http/server.go:2136 +0x29
        created by net/http.(*Server).Serve in goroutine 1
        	/usr/local/go/src/net/http/server.go:3285 +0x4b4
        exit status 2
        """;

    public static string[] Lines(string text) => text.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n');
}
