using System.Net;
using Grpc.Core;
using Mesh.Heal.IntegrationTests.Support;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

[Collection(nameof(IntegrationCollection))]
public class AuthTests
{
    private const string Admin = "admin-token-0123456789";
    private const string Reader = "reader-token-0123456789";
    private const string SidecarToken = "sidecar-token-0123456789";

    private static Task<TestControlPlane> StartAsync() => TestControlPlane.StartAsync(
        "--ControlPlane:Auth:AdminTokens:0=" + Admin, "--ControlPlane:Auth:ReaderTokens:0=" + Reader, "--ControlPlane:Auth:ServiceTokens:orders:0=" + SidecarToken);

    [Fact]
    public async Task Grpc_TokensAreEnforcedByRole()
    {
        await using var controlPlane = await StartAsync();
        var control = controlPlane.Control;
        var put = new Wire.PutPolicyRequest
        {
            Service = "orders",
            Document = new Google.Api.HttpBody { ContentType = "application/yaml", Data = Google.Protobuf.ByteString.CopyFromUtf8("service: orders\n") },
        };

        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => control.GetStatusAsync(new Wire.GetStatusRequest()).ResponseAsync)).StatusCode);
        Assert.Equal(
            StatusCode.Unauthenticated,
            (await Assert.ThrowsAsync<RpcException>(() => control.GetStatusAsync(new Wire.GetStatusRequest(), TestControlPlane.Bearer("wrong-token-0123456789")).ResponseAsync)).StatusCode);
        await control.GetStatusAsync(new Wire.GetStatusRequest(), TestControlPlane.Bearer(Reader));
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => control.PutPolicyAsync(put, TestControlPlane.Bearer(Reader)).ResponseAsync)).StatusCode);
        Assert.Equal(
            StatusCode.PermissionDenied,
            (await Assert.ThrowsAsync<RpcException>(() => control.GetStatusAsync(new Wire.GetStatusRequest(), TestControlPlane.Bearer(SidecarToken)).ResponseAsync)).StatusCode);
        var stored = await control.PutPolicyAsync(put, TestControlPlane.Bearer(Admin));
        Assert.Equal(1, stored.Version);

        // The audit log names the admin by role and token fingerprint, never by the token.
        var entry = Assert.Single(controlPlane.Store.AuditLog("orders", 10));
        Assert.StartsWith("admin:", entry.Actor);
        Assert.DoesNotContain(Admin, entry.Actor);
    }

    [Fact]
    public async Task HttpJson_TokensAreEnforcedByRole()
    {
        await using var controlPlane = await StartAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/v1/mesh/status", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/v1/mesh/status", Reader)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Put, "/v1/policies/orders", Reader)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Put, "/v1/policies/orders", Admin)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/healthz", null)).StatusCode);

        async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token)
        {
            using var request = new HttpRequestMessage(method, path);
            if (method == HttpMethod.Put)
            {
                request.Content = new StringContent("service: orders\nclusters: { backend: { timeout: 2s } }\n", System.Text.Encoding.UTF8, "application/yaml");
            }

            if (token is not null)
            {
                request.Headers.Authorization = new("Bearer", token);
            }

            return await controlPlane.Http.SendAsync(request);
        }
    }

    [Fact]
    public async Task Sidecar_WithoutTheRightToken_IsRefused_AndWithItConnects()
    {
        await using var controlPlane = await StartAsync();
        await using var mesh = Support.Mesh.Start();
        var refused = await mesh.AddSidecarAsync(controlPlane, "orders-x", token: Reader);
        var accepted = await mesh.AddSidecarAsync(controlPlane, "orders-y", token: SidecarToken);

        await Wait.UntilAsync(async () => (await Support.Mesh.ControlPlaneStateAsync(accepted)).GetProperty("connected").GetBoolean(), "the sidecar with a sidecar token connected");
        await Wait.UntilAsync(
            async () => (await Support.Mesh.ControlPlaneStateAsync(refused)).GetProperty("lastError").GetString()?.Contains("PermissionDenied") == true,
            "the sidecar with a reader token was refused");
        Assert.False((await Support.Mesh.ControlPlaneStateAsync(refused)).GetProperty("connected").GetBoolean());
        var status = await controlPlane.Control.GetStatusAsync(new Wire.GetStatusRequest(), TestControlPlane.Bearer(Admin));
        Assert.Equal(["orders-y"], status.Services.SelectMany(s => s.Sidecars).Select(s => s.Instance));
    }

    [Fact]
    public async Task NoTokens_AndANonLoopbackAddress_RefusesToStart_NamingTheSetting()
    {
        var ex = await Assert.ThrowsAsync<Mesh.Heal.ControlPlane.Hosting.ControlPlaneConfigurationException>(
            () => TestControlPlane.StartAsync("--ControlPlane:HttpUrl=http://*:0"));

        Assert.Contains("ControlPlane:HttpUrl: listens beyond loopback but no tokens are configured", ex.Message);
    }
}
