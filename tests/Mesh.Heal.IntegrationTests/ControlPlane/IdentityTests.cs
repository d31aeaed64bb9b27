using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.Policy;
using Mesh.Heal.TimeSeries;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

/// <summary>Issue 17, finding 3: a sidecar credential speaks for its own service only, cannot take over a live sidecar,
/// and telemetry of instances without a policy stream of their own never steers healing. Real control plane and sidecars on loopback.</summary>
[Collection(nameof(IntegrationCollection))]
public class IdentityTests
{
    private const string Admin = "admin-token-0123456789";
    private const string Orders = "orders-token-0123456789";
    private const string OrdersSecond = "orders-token-second-0123456789";
    private const string Shop = "shop-token-0123456789";
    private const string OrdersPolicy = "service: orders\nclusters:\n  payments:\n    timeout: 5s\n    fallback: { response: { statusCode: 200, body: secret-fallback-body } }\n";

    private static Task<TestControlPlane> StartAsync(params string[] extra) => TestControlPlane.StartAsync(
        [
            "--ControlPlane:Auth:AdminTokens:0=" + Admin, "--ControlPlane:Auth:ServiceTokens:orders:0=" + Orders,
            "--ControlPlane:Auth:ServiceTokens:orders:1=" + OrdersSecond, "--ControlPlane:Auth:ServiceTokens:shop:0=" + Shop, .. extra,
        ]);

    [Fact]
    public async Task PolicyStream_AsAnotherService_IsPermissionDenied_AndReadsNoPolicy()
    {
        await using var controlPlane = await StartAsync();
        await controlPlane.PutPolicyAsync("orders", OrdersPolicy, Admin);

        using var forged = await controlPlane.OpenPolicyStreamAsync(Shop, "orders", "orders-1");
        var denied = await Assert.ThrowsAsync<RpcException>(() => forged.ResponseStream.MoveNext(CancellationToken.None));
        using var own = await controlPlane.OpenPolicyStreamAsync(Orders, "orders", "orders-1");

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("identity.service: 'orders' is not the service of this credential; accepted: 'shop'", denied.Status.Detail);
        Assert.True(await own.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(1, own.ResponseStream.Current.Version);
        Assert.Contains("kind=\"policy_stream_claim\"} 1", await controlPlane.Http.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task PolicyStream_TakingOverALiveSidecar_WithAnotherCredential_IsRefused_AndStatusShowsTheRealOne()
    {
        await using var controlPlane = await StartAsync();
        await controlPlane.PutPolicyAsync("orders", "service: orders\nclusters: { backend: { timeout: 2s } }\n", Admin);
        await using var mesh = Support.Mesh.Start();
        var real = await mesh.AddSidecarAsync(controlPlane, "orders-real", token: Orders);
        await Wait.UntilAsync(async () => (await Sidecar(controlPlane, "orders-real"))?.AckedVersion == 1, "the real sidecar ACKed version 1");

        var refusals = new List<StatusCode>();
        foreach (var token in new[] { OrdersSecond, Shop })
        {
            using var forged = await controlPlane.OpenPolicyStreamAsync(token, "orders", "orders-real");
            var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                // Were it accepted, it would NACK the snapshot it is sent, as the probe did.
                Assert.True(await forged.ResponseStream.MoveNext(CancellationToken.None));
                var snapshot = forged.ResponseStream.Current;
                await forged.RequestStream.WriteAsync(new Wire.PolicyRequest
                {
                    Version = 99, ResponseNonce = snapshot.Nonce, ErrorDetail = new Wire.ErrorDetail { Message = "forged" },
                });
                await forged.ResponseStream.MoveNext(CancellationToken.None);
            });
            refusals.Add(ex.StatusCode);
        }

        Assert.Equal([StatusCode.AlreadyExists, StatusCode.PermissionDenied], refusals);
        var status = (await Sidecar(controlPlane, "orders-real"))!;
        Assert.True(status.Connected);
        Assert.Equal(1, status.AckedVersion);
        Assert.Null(status.LastNack);
        Assert.True((await Support.Mesh.ControlPlaneStateAsync(real)).GetProperty("connected").GetBoolean());
    }

    [Fact]
    public async Task PolicyStream_AReconnectWithTheSameCredential_ReplacesTheOldStream()
    {
        await using var controlPlane = await StartAsync();
        await controlPlane.PutPolicyAsync("orders", OrdersPolicy, Admin);
        using var old = await controlPlane.OpenPolicyStreamAsync(Orders, "orders", "orders-1");
        Assert.True(await old.ResponseStream.MoveNext(CancellationToken.None));

        using var reconnected = await controlPlane.OpenPolicyStreamAsync(Orders, "orders", "orders-1");

        Assert.True(await reconnected.ResponseStream.MoveNext(CancellationToken.None));
        var ended = await Assert.ThrowsAsync<RpcException>(() => old.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Aborted, ended.StatusCode);
        Assert.True((await Sidecar(controlPlane, "orders-1"))!.Connected);
    }

    [Fact]
    public async Task Telemetry_ForgedInstancesOfOrders_WithAFailingPaymentsCluster_NeverMakeTheCoordinatorWriteAPolicy()
    {
        await using var controlPlane = await StartAsync("--ControlPlane:Healing:Interval=00:00:00.2");
        await controlPlane.PutPolicyAsync("orders", OrdersPolicy, Admin);
        using var channel = GrpcChannel.ForAddress(controlPlane.GrpcUri);
        var telemetry = new Wire.Telemetry.TelemetryClient(channel);

        // The probe: a shop sidecar token reporting as made-up instances of orders.
        using (var forged = telemetry.Report(TestControlPlane.Bearer(Shop)))
        {
            var denied = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                await forged.RequestStream.WriteAsync(FailingPayments("orders", "orders-fake-1"));
                await forged.ResponseAsync;
            });
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
            Assert.Contains("accepted: 'shop'", denied.Status.Detail);
        }

        // Even orders' own token cannot make up instances: they have no policy stream of their own, so they are not trusted.
        var fakes = Enumerable.Range(1, 5).Select(i => telemetry.Report(TestControlPlane.Bearer(Orders))).ToList();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTimeOffset.UtcNow < deadline)
        {
            for (var i = 0; i < fakes.Count; i++)
            {
                await fakes[i].RequestStream.WriteAsync(FailingPayments("orders", $"orders-fake-{i}"));
            }

            await Task.Delay(200);
        }

        var summaries = new List<Wire.ReportSummary>();
        foreach (var fake in fakes)
        {
            await fake.RequestStream.CompleteAsync();
            summaries.Add(await fake.ResponseAsync);
            fake.Dispose();
        }

        Assert.Equal(1, controlPlane.Store.Policy("orders")!.Version);
        Assert.Empty(controlPlane.Store.Actions(null, null, 10));
        Assert.All(summaries, s => Assert.True(s.Accepted == 0 && s.Rejected > 0, s.ToString()));
        Assert.Contains("kind=\"telemetry_untrusted\"}", await controlPlane.Http.GetStringAsync("/metrics"));

        // The same reports from an instance with a live policy stream of its own (same credential) are trusted and acted
        // on: so the refusal above is the trust check, not reports too weak to act on.
        using var stream = await controlPlane.OpenPolicyStreamAsync(Orders, "orders", "orders-real");
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        using var real = telemetry.Report(TestControlPlane.Bearer(Orders));
        await Wait.UntilAsync(
            async () =>
            {
                await real.RequestStream.WriteAsync(FailingPayments("orders", "orders-real"));
                await Task.Delay(150);
                return controlPlane.Store.Policy("orders")!.Version > 1;
            },
            "the coordinator acted on the trusted instance's reports");
        var healed = global::Mesh.Heal.ControlPlane.Policies.PolicyDocument.Parse(controlPlane.Store.Policy("orders")!.Document, "orders", int.MaxValue).Policy!;
        Assert.Equal(BreakerOverride.ForceFallback, healed.ForCluster("payments").Override);
    }

    [Fact]
    public async Task ServiceAccountTokens_ReadFromAFile_AreReviewedByTheApiServer_AndSpeakForTheirServiceAndPodOnly()
    {
        // The API server's TokenReview, played by WireMock with the documented response shape.
        var apiServer = WireMockServer.Start();
        apiServer.Given(Request.Create().WithPath("/apis/authentication.k8s.io/v1/tokenreviews").UsingPost()).RespondWith(Response.Create()
            .WithStatusCode(201)
            .WithHeader("Content-Type", "application/json")
            .WithBody(r => r.Body!.Contains("\"sa.orders.pod1\"", StringComparison.Ordinal)
                ? Review("system:serviceaccount:shop:orders", "orders-pod-1")
                : r.Body!.Contains("\"sa.shop.pod1\"", StringComparison.Ordinal)
                    ? Review("system:serviceaccount:shop:shop", "shop-pod-1")
                    : """{ "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "status": { "authenticated": false, "error": "invalid bearer token" } }"""));
        try
        {
            await using var controlPlane = await TestControlPlane.StartAsync(
                "--ControlPlane:Auth:AdminTokens:0=" + Admin, "--ControlPlane:Auth:ServiceAccounts:Enabled=true", "--ControlPlane:Auth:ServiceAccounts:Namespaces:0=shop",
                "--ControlPlane:Kubernetes:Server=" + apiServer.Url, "--ControlPlane:Kubernetes:Token=control-plane-token");
            var tokens = Directory.CreateTempSubdirectory("meshheal-sa-").FullName;
            File.WriteAllText(Path.Combine(tokens, "orders"), "sa.orders.pod1\n");
            File.WriteAllText(Path.Combine(tokens, "shop"), "sa.shop.pod1");
            await using var mesh = Support.Mesh.Start();

            var orders = await mesh.AddSidecarAsync(controlPlane, "orders-pod-1", token: "file:" + Path.Combine(tokens, "orders"));
            var otherPod = await mesh.AddSidecarAsync(controlPlane, "orders-pod-2", token: "file:" + Path.Combine(tokens, "orders"));
            var shop = await mesh.AddSidecarAsync(controlPlane, "orders-pod-3", token: "file:" + Path.Combine(tokens, "shop"));

            await Wait.UntilAsync(async () => (await Support.Mesh.ControlPlaneStateAsync(orders)).GetProperty("connected").GetBoolean(), "the orders pod's sidecar connected");
            foreach (var refused in new[] { otherPod, shop })
            {
                await Wait.UntilAsync(
                    async () => (await Support.Mesh.ControlPlaneStateAsync(refused)).GetProperty("lastError").GetString()?.Contains("PermissionDenied") == true,
                    "a sidecar claiming another pod or service was refused");
            }

            var status = await controlPlane.Control.GetStatusAsync(new Wire.GetStatusRequest(), TestControlPlane.Bearer(Admin));
            Assert.Equal(["orders-pod-1"], status.Services.SelectMany(s => s.Sidecars).Select(s => s.Instance));
            Assert.Contains(apiServer.LogEntries, e => e.RequestMessage!.Headers!["Authorization"].Single() == "Bearer control-plane-token");
        }
        finally
        {
            apiServer.Stop();
        }

        static string Review(string user, string pod) =>
            $$"""{ "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "status": { "authenticated": true, "user": { "username": "{{user}}", "extra": { "authentication.kubernetes.io/pod-name": ["{{pod}}"] } } } }""";
    }

    private static async Task<Wire.SidecarStatus?> Sidecar(TestControlPlane controlPlane, string instance)
    {
        var status = await controlPlane.Control.GetStatusAsync(new Wire.GetStatusRequest(), TestControlPlane.Bearer(Admin));
        return status.Services.SelectMany(s => s.Sidecars).SingleOrDefault(s => s.Instance == instance);
    }

    private static Wire.SidecarReport FailingPayments(string service, string instance)
    {
        var report = new Wire.SidecarReport { Identity = new Wire.SidecarIdentity { Service = service, Instance = instance }, PolicyVersion = 1 };
        report.LatencyBoundsMs.Add(LatencyHistogram.BoundsMs);
        var cluster = new Wire.ClusterReport
        {
            Cluster = "payments", Requests = 40, ServerErrors = 40, CallerFailures = 40, LatencySumMs = 200,
            Health = Wire.HealthState.Healthy, Breaker = Wire.BreakerState.Closed,
        };
        var counts = new long[LatencyHistogram.BucketCount];
        counts[LatencyHistogram.BoundsMs.ToList().FindIndex(b => 5 <= b)] = 40;
        cluster.LatencyCounts.Add(counts);
        report.Clusters.Add(cluster);
        return report;
    }
}
