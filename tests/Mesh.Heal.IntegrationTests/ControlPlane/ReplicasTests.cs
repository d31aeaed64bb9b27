using System.Net;
using System.Text.Json;
using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.Testing.Postgres;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

/// <summary><c>GET /v1/replicas</c> (MeshControl.ListReplicas) on a real control plane.</summary>
[Collection(nameof(IntegrationCollection))]
public class ReplicasTests(ReplicasTests.PostgresFixture postgres) : IClassFixture<ReplicasTests.PostgresFixture>
{
    private const string Reader = "reader-token-0123456789";
    private const string Admin = "admin-token-0123456789";

    [Fact]
    public async Task Replicas_SingleNode_LeadsFromTheStart_RunsTheCoordinator_AndCountsItsStreams()
    {
        await using var controlPlane = await TestControlPlane.StartAsync(
            "--ControlPlane:Auth:AdminTokens:0=" + Admin, "--ControlPlane:Auth:ReaderTokens:0=" + Reader, "--ControlPlane:Healing:Interval=00:00:00.200");
        using var stream = await controlPlane.OpenPolicyStreamAsync(Admin, "orders", "orders-1");

        // A read-only token is enough.
        var replica = await Wait.UntilAsync(
            async () => JsonDocument.Parse(await Get(controlPlane, "/v1/replicas", Reader)).RootElement.GetProperty("replicas")[0].Clone(),
            r => r.TryGetProperty("lastRunAt", out _) && r.TryGetProperty("streams", out var streams) && streams.GetInt32() == 1
                && r.GetProperty("grpcUrl").GetString() is { Length: > 0 },
            "the replica with a completed coordinator run, one stream and its listener's address");

        Assert.Equal(controlPlane.Store.ReplicaId, replica.GetProperty("id").GetString());
        Assert.True(replica.GetProperty("leader").GetBoolean());
        Assert.Equal("1", replica.GetProperty("epoch").GetString());
        Assert.True(replica.GetProperty("alive").GetBoolean());
        var started = replica.GetProperty("startedAt").GetDateTimeOffset();
        Assert.True(replica.GetProperty("heartbeatAt").GetDateTimeOffset() >= started);
        Assert.True(replica.GetProperty("lastRunAt").GetDateTimeOffset() >= started);
        Assert.Equal(controlPlane.GrpcUri.ToString(), replica.GetProperty("grpcUrl").GetString());
    }

    [Fact]
    public async Task Replicas_WithoutAToken_IsRefused()
    {
        await using var controlPlane = await TestControlPlane.StartAsync("--ControlPlane:Auth:AdminTokens:0=" + Admin, "--ControlPlane:Auth:ReaderTokens:0=" + Reader);
        using var response = await controlPlane.Http.GetAsync("/v1/replicas");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Flow_TwoReplicasOnPostgres_OneLeader_SameView_PolicyThroughEitherReachesBoth_StoreOutageUnhealthyThenRecovers()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        string[] Args(string id) =>
        [
            "--ControlPlane:Auth:AdminTokens:0=" + Admin, "--ControlPlane:Auth:ReaderTokens:0=" + Reader, "--ControlPlane:Store:Provider=postgres",
            "--ControlPlane:Store:ConnectionString=" + database, "--ControlPlane:Store:ReplicaId=" + id, "--ControlPlane:Healing:Interval=00:00:00.200",
            "--ControlPlane:Ha:LeaseDuration=00:00:01", "--ControlPlane:Ha:RenewInterval=00:00:00.200", "--ControlPlane:PushDebounce=00:00:00",
        ];
        await using var a = await TestControlPlane.StartAsync(Args("replica-a"));
        await using var b = await TestControlPlane.StartAsync(Args("replica-b"));
        using var onA = await a.OpenPolicyStreamAsync(Admin, "orders", "orders-1");
        using var onB = await b.OpenPolicyStreamAsync(Admin, "orders", "orders-2");

        // Both answer alike from the store: two alive replicas, exactly one leader with a completed run, one stream each.
        foreach (var replica in new[] { a, b })
        {
            var replicas = await Wait.UntilAsync(
                async () => JsonDocument.Parse(await Get(replica, "/v1/replicas", Reader)).RootElement.GetProperty("replicas").Clone(),
                r => r.GetArrayLength() == 2 && r.EnumerateArray().All(x => x.GetProperty("alive").GetBoolean() && x.GetProperty("streams").GetInt32() == 1)
                    && r.EnumerateArray().Count(x => x.GetProperty("leader").GetBoolean() && x.TryGetProperty("lastRunAt", out _)) == 1,
                "two alive replicas with one stream each and one leader that has run");
            Assert.Equal(["replica-a", "replica-b"], replicas.EnumerateArray().Select(x => x.GetProperty("id").GetString()).Order(StringComparer.Ordinal));
        }

        // A policy written through either replica reaches the sidecars of both.
        var first = await a.PutPolicyAsync("orders", "service: orders\nclusters: { backend: { timeout: 2s } }\n", Admin);
        await Received(onA, first);
        await Received(onB, first);
        var second = await b.PutPolicyAsync("orders", "service: orders\nclusters: { backend: { timeout: 3s } }\n", Admin);
        Assert.Equal(first + 1, second);
        await Received(onA, second);
        await Received(onB, second);

        // PostgreSQL goes away: both report unhealthy; when it is back both recover by themselves, a leader is elected again and runs.
        await postgres.Server.StopAsync();
        await Wait.UntilAsync(async () => (await a.Http.GetAsync("/healthz")).StatusCode == HttpStatusCode.ServiceUnavailable, "a unhealthy while the store is down");
        await Wait.UntilAsync(async () => (await b.Http.GetAsync("/healthz")).StatusCode == HttpStatusCode.ServiceUnavailable, "b unhealthy while the store is down");
        await postgres.Server.StartAgainAsync();
        await Wait.UntilAsync(async () => (await a.Http.GetAsync("/healthz")).IsSuccessStatusCode && (await b.Http.GetAsync("/healthz")).IsSuccessStatusCode, "both healthy again", TimeSpan.FromSeconds(30));
        var recovered = DateTimeOffset.UtcNow;
        await Wait.UntilAsync(
            async () => JsonDocument.Parse(await Get(a, "/v1/replicas", Reader)).RootElement.GetProperty("replicas").Clone(),
            r => r.EnumerateArray().Count(x => x.GetProperty("leader").GetBoolean() && x.TryGetProperty("lastRunAt", out var run) && run.GetDateTimeOffset() > recovered) == 1,
            "a leader running again after the outage", TimeSpan.FromSeconds(30));
        var third = await a.PutPolicyAsync("orders", "service: orders\nclusters: { backend: { timeout: 4s } }\n", Admin);
        await Received(onB, third);
    }

    private static async Task Received(Grpc.Core.AsyncDuplexStreamingCall<Wire.PolicyRequest, Wire.PolicySnapshot> stream, long version)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (await stream.ResponseStream.MoveNext(deadline.Token))
        {
            var snapshot = stream.ResponseStream.Current;
            await stream.RequestStream.WriteAsync(new Wire.PolicyRequest { Version = snapshot.Version, ResponseNonce = snapshot.Nonce });
            if (snapshot.Version >= version)
            {
                Assert.Equal(version, snapshot.Version);
                return;
            }
        }

        Assert.Fail($"the stream ended before version {version}");
    }

    private static async Task<string> Get(TestControlPlane controlPlane, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        using var response = await controlPlane.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>One private PostgreSQL server for the class.</summary>
    public sealed class PostgresFixture : IAsyncLifetime
    {
        private PostgresServer? _server;

        public PostgresServer Server => _server ?? throw new InvalidOperationException("the server has not started");

        public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

        public async Task DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
    }
}
