using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mesh.Heal.IntegrationTests.Support;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

/// <summary>Logs pushed to the control plane over HTTP/JSON (<c>POST /v1/logs/{service}</c>, transcoded to
/// MeshControl.IngestLogs): limits named in the error, sidecar tokens accepted, and the bug fixer's issue out the other end.</summary>
[Collection(nameof(IntegrationCollection))]
public class LogIngestTests
{
    private const string SidecarToken = "sidecar-token-0123456789";
    private const string Reader = "reader-token-0123456789";

    [Fact]
    public async Task Post_ErrorsOfAService_BecomeAClassifiedIssue_LimitsAndRolesEnforced()
    {
        await using var controlPlane = await TestControlPlane.StartAsync(
            "--ControlPlane:Auth:ServiceTokens:orders:0=" + SidecarToken, "--ControlPlane:Auth:ReaderTokens:0=" + Reader, "--ControlPlane:Auth:AdminTokens:0=admin-token-0123456789",
            "--ControlPlane:Healing:Interval=00:00:00.2", "--ControlPlane:Logs:MaxBatchLines=50");
        string[] trace =
        [
            "2026-12-01 10:00:02,113 ERROR [http-nio-8080-exec-3] c.s.orders.OrderController - request failed",
            "java.net.SocketTimeoutException: Read timed out",
            "\tat com.shop.orders.PaymentClient.charge(PaymentClient.java:88)",
            "\tat com.shop.orders.OrderController.post(OrderController.java:41)",
        ];

        using var tooMany = await Post(controlPlane, SidecarToken, "orders", Enumerable.Repeat("x", 51).ToArray());
        using var wrongRole = await Post(controlPlane, Reader, "orders", trace);
        using var badName = await Post(controlPlane, SidecarToken, "Orders!", trace);
        using var otherService = await Post(controlPlane, SidecarToken, "payments", trace);
        using var accepted = await Post(controlPlane, SidecarToken, "orders", [.. trace, .. trace, .. trace, .. trace, "{\"broken\": "]);

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("at most 50 (ControlPlane:Logs:MaxBatchLines)", await tooMany.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, wrongRole.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherService.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var answer = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(4, answer.GetProperty("records").GetInt32());
        Assert.Equal(1, answer.GetProperty("malformed").GetInt32());

        JsonElement? issue = null;
        await Wait.UntilAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/issues");
            request.Headers.Authorization = new("Bearer", Reader);
            using var response = await controlPlane.Http.SendAsync(request);
            var issues = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            issue = issues.TryGetProperty("issues", out var list) ? list.EnumerateArray().Select(i => (JsonElement?)i.Clone()).FirstOrDefault(i => i!.Value.GetProperty("agent").GetString() == "bug-fixer") : null;
            return issue is not null;
        }, "a bug-fixer issue", TimeSpan.FromSeconds(15));
        Assert.Equal("bug.timeout", issue!.Value.GetProperty("kind").GetString());
        Assert.Equal("java.net.SocketTimeoutException", issue.Value.GetProperty("evidence").GetProperty("type").GetString());
        Assert.Contains("no repository is configured", issue.Value.GetProperty("evidence").GetProperty("proposal").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_BodyOverMaxMessageBytes_Is413NamingTheLimit_TheServerStillAnswers()
    {
        await using var controlPlane = await TestControlPlane.StartAsync("--ControlPlane:Auth:ServiceTokens:orders:0=" + SidecarToken, "--ControlPlane:Auth:AdminTokens:0=admin-token-0123456789");
        const int Huge = 25 * 1024 * 1024;

        // With a length: refused from the headers, before the body is sent (the client waits for 100-continue). The body is
        // a well-formed batch, so without the limit it would be read whole and accepted.
        var batch = System.Text.Encoding.UTF8.GetBytes($"{{\"instance\":\"orders-0\",\"lines\":[\"{new string('a', Huge)}\"]}}");
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/logs/orders") { Content = new ByteArrayContent(batch) })
        {
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Authorization = new("Bearer", SidecarToken);
            request.Headers.ExpectContinue = true;
            using var response = await controlPlane.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("at most 1048576 bytes (ControlPlane:Limits:MaxMessageBytes)", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Without a length (chunked): cut once past the limit, not read whole.
        var body = new CountingStream(Huge);
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/logs/orders") { Content = new StreamContent(body) })
        {
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Authorization = new("Bearer", SidecarToken);
            request.Headers.TransferEncodingChunked = true;
            try
            {
                using var response = await controlPlane.Http.SendAsync(request);
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
                Assert.Contains("(ControlPlane:Limits:MaxMessageBytes)", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            catch (HttpRequestException)
            {
                // The server answered and closed while the client was still sending: the body was cut either way.
            }
        }

        Assert.True(body.Sent < Huge, $"the client sent {body.Sent} of {Huge} bytes: the server read the whole body");
        using var small = await Post(controlPlane, SidecarToken, "orders", ["2026-12-01 10:00:02,113 ERROR x - boom"]);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Fact]
    public async Task ForgedServiceAndInstanceNames_AreRefusedOrFoldedIntoOther_MetricsStayBounded()
    {
        await using var controlPlane = await TestControlPlane.StartAsync("--ControlPlane:Limits:MaxMetricLabelValues=50", "--ControlPlane:Logs:MaxServices=1000");
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(controlPlane.GrpcUri);
        var client = new Mesh.Heal.Protocol.V1.MeshControl.MeshControlClient(channel);

        // 5,000 services with names that are valid but forged, each with one log record from its own forged instance.
        var refusals = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 5000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var request = new Mesh.Heal.Protocol.V1.IngestLogsRequest { Service = $"forged-{i}-{new string('x', 40)}", Instance = $"pod-{i}-{new string('y', 200)}" };
            request.Lines.Add("2026-12-01 10:00:02,113 ERROR x - boom");
            try
            {
                await client.IngestLogsAsync(request, cancellationToken: ct);
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.ResourceExhausted)
            {
                refusals.Add(ex.Status.Detail);
            }
        });
        var badInstance = new Mesh.Heal.Protocol.V1.IngestLogsRequest { Service = "orders", Instance = new string('i', 1024) };
        badInstance.Lines.Add("line");
        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.IngestLogsAsync(badInstance).ResponseAsync);

        Assert.Equal(4000, refusals.Count);
        Assert.Contains("at most 1000 services with logs (ControlPlane:Logs:MaxServices)", refusals.First(), StringComparison.Ordinal);
        Assert.Equal(1000, controlPlane.Services.GetRequiredService<Mesh.Heal.ControlPlane.Logs.LogCollector>().Services.Count);
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, refused.StatusCode);
        Assert.StartsWith("instance:", refused.Status.Detail, StringComparison.Ordinal);
        var metrics = await controlPlane.Http.GetStringAsync("/metrics");
        var services = metrics.Split('\n').Where(l => l.StartsWith("meshheal_log_records_total{", StringComparison.Ordinal))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, "service=\"([^\"]*)\"").Groups[1].Value).Distinct().ToList();
        Assert.Equal(51, services.Count);
        Assert.Contains("other", services);
        Assert.True(metrics.Length < 200_000, $"/metrics is {metrics.Length} characters");
    }

    // A body of zeros produced on demand, counting how much the client was asked to send.
    private sealed class CountingStream(long length) : Stream
    {
        public long Sent { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Sent; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - Sent);
            Array.Clear(buffer, offset, n);
            Sent += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static async Task<HttpResponseMessage> Post(TestControlPlane controlPlane, string token, string service, string[] lines)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/logs/{Uri.EscapeDataString(service)}") { Content = JsonContent.Create(new { instance = "orders-0", lines }) };
        request.Headers.Authorization = new("Bearer", token);
        return await controlPlane.Http.SendAsync(request);
    }
}
