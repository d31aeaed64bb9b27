using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Heal.Chaos;
using Mesh.Heal.IntegrationTests.Support;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

/// <summary>Issue 17 #1 and #2 against a real control-plane process: documents that crashed it or ate its memory.</summary>
[Collection(nameof(IntegrationCollection))]
public class HostilePolicyTests
{
    private const string Admin = "admin-token-0123456789";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>80 KB of nested '[' (depth 40,000): a stack overflow in the YAML parser killed the process.</summary>
    private static string DeepList(int depth) => "service: orders\nclusters: " + new string('[', depth) + new string(']', depth) + "\n";

    /// <summary>A 500-byte document whose anchors and aliases expand nine-fold eight times (43 million nodes).</summary>
    private static string BillionLaughs()
    {
        var text = new StringBuilder("service: orders\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 1; level <= 8; level++)
        {
            text.Append($"l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 9))}]\n");
        }

        return text.ToString();
    }

    [Fact]
    public async Task PutPolicy_DeepAndBillionLaughsDocuments_AreRejectedOverHttpAndGrpc_AndTheProcessStillAnswers()
    {
        var directory = Directory.CreateTempSubdirectory("meshheal-hostile-").FullName;
        await using var controlPlane = await ControlPlaneProcess.StartAsync(directory, "--ControlPlane:Auth:AdminTokens:0=" + Admin);
        using var channel = GrpcChannel.ForAddress(controlPlane.GrpcUri);
        var control = new Wire.MeshControl.MeshControlClient(channel);
        var auth = TestControlPlane.Bearer(Admin);

        foreach (var (document, expected) in new[] { (DeepList(40_000), "MaxPolicyDepth"), (DeepList(20_000), "MaxPolicyDepth"), (BillionLaughs(), "MaxPolicyNodes") })
        {
            using var deadline = new CancellationTokenSource(Deadline);
            using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/policies/orders") { Content = new StringContent(document, Encoding.UTF8, "application/yaml") };
            request.Headers.Authorization = new("Bearer", Admin);
            using var response = await controlPlane.Http.SendAsync(request, deadline.Token);
            var body = await response.Content.ReadAsStringAsync(deadline.Token);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"HTTP {(int)response.StatusCode}: {body}");
            Assert.Contains(expected, body);

            var put = new Wire.PutPolicyRequest
            {
                Service = "orders",
                Document = new Google.Api.HttpBody { ContentType = "application/yaml", Data = Google.Protobuf.ByteString.CopyFromUtf8(document) },
            };
            var rpc = await Assert.ThrowsAsync<RpcException>(() => control.PutPolicyAsync(put, auth, deadline: DateTime.UtcNow + Deadline).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, rpc.StatusCode);
            Assert.Contains(expected, rpc.Status.Detail);
        }

        Assert.True(controlPlane.Process.Running, controlPlane.Process.Output);
        using var health = await controlPlane.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var valid = await control.PutPolicyAsync(
            new Wire.PutPolicyRequest
            {
                Service = "orders",
                Document = new Google.Api.HttpBody { ContentType = "application/yaml", Data = Google.Protobuf.ByteString.CopyFromUtf8("service: orders\nclusters: { backend: { timeout: 2s } }\n") },
            },
            auth,
            deadline: DateTime.UtcNow + Deadline);
        Assert.Equal(1, valid.Version);
    }

    [Fact]
    public async Task PolicyDirectory_WithHostileFiles_StartsAndLoadsTheGoodOnes()
    {
        var policies = Directory.CreateTempSubdirectory("meshheal-hostile-policies-").FullName;
        await File.WriteAllTextAsync(Path.Combine(policies, "a-deep.yaml"), DeepList(40_000));
        await File.WriteAllTextAsync(Path.Combine(policies, "b-laughs.yaml"), BillionLaughs());
        await File.WriteAllTextAsync(Path.Combine(policies, "c-big.json"), "{ \"service\": \"big\", \"x\": \"" + new string('x', 300 * 1024) + "\" }");
        await File.WriteAllTextAsync(Path.Combine(policies, "payments.yaml"), "service: payments\nclusters: { stripe: { timeout: 500ms } }\n");
        var directory = Directory.CreateTempSubdirectory("meshheal-hostile-").FullName;

        await using var controlPlane = await ControlPlaneProcess.StartAsync(directory, "--ControlPlane:PolicyDirectory=" + policies);

        using var response = await controlPlane.Http.GetAsync("/v1/policies/payments");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        Assert.Contains("file:payments.yaml", body);
        Assert.True(controlPlane.Process.Running, controlPlane.Process.Output);
        await Wait.UntilAsync(
            () => Task.FromResult(controlPlane.Process.Output.Contains("a-deep.yaml", StringComparison.Ordinal)
                && controlPlane.Process.Output.Contains("b-laughs.yaml", StringComparison.Ordinal)
                && controlPlane.Process.Output.Contains("c-big.json", StringComparison.Ordinal)),
            "each hostile file was reported by name");
    }

    [Theory]
    [InlineData("service: orders\nclusters: { backend: { timeout: 1e300s } }\n", "clusters:backend:timeout")]
    [InlineData("service: orders\nclusters: { backend: { circuitBreaker: { breakDuration: 9999999999999d } } }\n", "clusters:backend:circuitBreaker:breakDuration")]
    [InlineData("service: orders\nclusters: { backend: { ? [a] : 1 } }\n", "clusters:backend: has a key that is a list")]
    [InlineData("service: orders\nclusters: { backend: { ? {a: 1} : 1 } }\n", "clusters:backend: has a key that is a mapping")]
    [InlineData("service: orders\nclusters: { backend: { retry: { maxAttempts: [2] } } }\n", "clusters:backend:retry:maxAttempts: is a list")]
    [InlineData("service: orders\nclusterz: {}\n", "clusterz: unknown setting")]
    [InlineData("service: orders\nl0: &l0 [a, b\nl1: &l1 [*l0, *l0]\n", "document: is not valid YAML or JSON")]
    [InlineData("DEEP-JSON", "MaxPolicyDepth")]
    public async Task PutPolicy_OverflowsWrongTypesAndOddKeys_Get400NamingTheField_Not500(string document, string expected)
    {
        var json = document == "DEEP-JSON";
        if (json)
        {
            document = "{\"service\": \"orders\", \"clusters\": " + string.Concat(Enumerable.Repeat("{\"a\":[", 20_000)) + string.Concat(Enumerable.Repeat("]}", 20_000)) + "}";
        }

        await using var controlPlane = await TestControlPlane.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/policies/orders") { Content = new StringContent(document, Encoding.UTF8, json ? "application/json" : "application/yaml") };

        using var response = await controlPlane.Http.SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"HTTP {(int)response.StatusCode}: {body}");
        Assert.True(body.Contains(expected, StringComparison.OrdinalIgnoreCase), body);
        Assert.Null(controlPlane.Store.Policy("orders"));
    }
}
