using System.Text.Json;
using Grpc.Core;
using Mesh.Heal.ControlPlane.Auth;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Resources;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mesh.Heal.ControlPlane.Tests.Auth;

/// <summary>Service-account tokens reviewed by a WireMock stand-in for the Kubernetes API server, answering TokenReviews as
/// documented (authentication.k8s.io/v1: <c>status.authenticated</c>, <c>status.user.username</c>, <c>status.user.extra</c>).</summary>
public sealed class ServiceAccountReviewerTests : IDisposable
{
    private const string Path = "/apis/authentication.k8s.io/v1/tokenreviews";
    private const string OrdersToken = "eyJhbGciOiJSUzI1NiJ9.orders.sig";
    private const string LegacyToken = "eyJhbGciOiJSUzI1NiJ9.legacy.sig";
    private const string StrangerToken = "eyJhbGciOiJSUzI1NiJ9.stranger.sig";
    private const string UserToken = "eyJhbGciOiJSUzI1NiJ9.user.sig";

    private static readonly Dictionary<string, string> Answers = new(StringComparer.Ordinal)
    {
        [OrdersToken] = Authenticated("system:serviceaccount:shop:orders", """, "extra": { "authentication.kubernetes.io/pod-name": ["orders-7d9f-x2"], "authentication.kubernetes.io/pod-uid": ["4c1e"] }"""),
        [LegacyToken] = Authenticated("system:serviceaccount:legacy:old-orders-sa", string.Empty),
        [StrangerToken] = Authenticated("system:serviceaccount:elsewhere:orders", string.Empty),
        [UserToken] = Authenticated("alice@example.com", string.Empty),
    };

    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public ServiceAccountReviewerTests()
    {
        _server.Given(Request.Create().WithPath(Path).UsingPost()).RespondWith(Response.Create()
            .WithStatusCode(201)
            .WithHeader("Content-Type", "application/json")
            .WithBody(r => Answers.GetValueOrDefault(JsonDocument.Parse(r.Body!).RootElement.GetProperty("spec").GetProperty("token").GetString()!)
                           ?? """{ "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "status": { "authenticated": false, "error": "invalid bearer token" } }"""));
    }

    public void Dispose() => _server.Stop();

    [Fact]
    public async Task Review_AServiceAccountToken_MapsToTheAccountsService_AndBindsItsPod()
    {
        using var reviewer = Reviewer();

        var caller = await reviewer.ReviewAsync(OrdersToken, CancellationToken.None);

        Assert.NotNull(caller);
        Assert.Equal((Role.Sidecar, "orders", "orders-7d9f-x2", "pod:4c1e"), (caller.Role, caller.Service, caller.Instance, caller.Credential));
        Assert.StartsWith("sidecar:shop/orders:", caller.Actor);
        Assert.NotNull(caller.ClaimError("payments", "orders-7d9f-x2"));
        Assert.NotNull(caller.ClaimError("orders", "orders-other-pod"));
        Assert.Null(caller.ClaimError("orders", "orders-7d9f-x2"));
        var sent = JsonDocument.Parse(Assert.Single(_server.LogEntries).RequestMessage!.Body!).RootElement;
        Assert.Equal("TokenReview", sent.GetProperty("kind").GetString());
        Assert.Equal(OrdersToken, sent.GetProperty("spec").GetProperty("token").GetString());
        Assert.Equal(["meshheal"], sent.GetProperty("spec").GetProperty("audiences").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("Bearer control-plane-token", Assert.Single(_server.LogEntries).RequestMessage!.Headers!["Authorization"].Single());
    }

    [Fact]
    public async Task Review_MappedAccounts_OtherNamespaces_AndUsers()
    {
        using var reviewer = Reviewer();

        Assert.Equal("orders", (await reviewer.ReviewAsync(LegacyToken, CancellationToken.None))?.Service);
        Assert.Null(await reviewer.ReviewAsync(StrangerToken, CancellationToken.None));
        Assert.Null(await reviewer.ReviewAsync(UserToken, CancellationToken.None));
        Assert.Null(await reviewer.ReviewAsync("eyJhbGciOiJSUzI1NiJ9.unknown.sig", CancellationToken.None));

        // Not shaped like a JWT, or too long: never sent to the API server.
        Assert.Null(await reviewer.ReviewAsync("orders-token-0123456789", CancellationToken.None));
        Assert.Null(await reviewer.ReviewAsync("a." + new string('b', ServiceAccountReviewer.MaxTokenLength) + ".c", CancellationToken.None));
        Assert.Equal(4, _server.LogEntries.Count());
    }

    [Fact]
    public async Task Review_AnswersAreCached_AcceptedForCacheTtl_RefusedForNegativeCacheTtl()
    {
        using var reviewer = Reviewer();
        const string Refused = "eyJhbGciOiJSUzI1NiJ9.refused.sig";

        await reviewer.ReviewAsync(OrdersToken, CancellationToken.None);
        await reviewer.ReviewAsync(Refused, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.NotNull(await reviewer.ReviewAsync(OrdersToken, CancellationToken.None));
        Assert.Null(await reviewer.ReviewAsync(Refused, CancellationToken.None));
        Assert.Equal(2, _server.LogEntries.Count());

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await reviewer.ReviewAsync(Refused, CancellationToken.None));
        Assert.NotNull(await reviewer.ReviewAsync(OrdersToken, CancellationToken.None));
        Assert.Equal(3, _server.LogEntries.Count());

        _time.Advance(TimeSpan.FromSeconds(25));
        Assert.NotNull(await reviewer.ReviewAsync(OrdersToken, CancellationToken.None));
        Assert.Equal(4, _server.LogEntries.Count());
    }

    [Fact]
    public async Task Review_AnApiServerThatFails_IsUnavailable_AndNotCached()
    {
        _server.Reset();
        _server.Given(Request.Create().WithPath(Path).UsingPost()).RespondWith(Response.Create().WithStatusCode(500).WithBody("boom"));
        using var reviewer = Reviewer();

        var first = await Assert.ThrowsAsync<RpcException>(async () => await reviewer.ReviewAsync(OrdersToken, CancellationToken.None));
        await Assert.ThrowsAsync<RpcException>(async () => await reviewer.ReviewAsync(OrdersToken, CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, first.StatusCode);
        Assert.DoesNotContain(OrdersToken, first.Status.Detail);
        Assert.Equal(2, _server.LogEntries.Count());
        Assert.Equal(0, reviewer.CacheCount);
    }

    private static string Authenticated(string user, string extra) =>
        $$"""{ "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "status": { "authenticated": true, "audiences": ["meshheal"], "user": { "username": "{{user}}", "uid": "u1", "groups": ["system:serviceaccounts"]{{extra}} } } }""";

    private ServiceAccountReviewer Reviewer()
    {
        var auth = new AuthOptions
        {
            ServiceAccounts =
            {
                Enabled = true, Audiences = ["meshheal"], Namespaces = ["shop"],
                Services = new() { ["legacy/old-orders-sa"] = "orders" },
            },
        };
        var kubernetes = new KubernetesOptions { Server = _server.Url, Token = "control-plane-token" };
        return new ServiceAccountReviewer(
            Options.Create(auth), new KubernetesApi(Options.Create(kubernetes)), _time, TestStore.Metrics(), NullLogger<ServiceAccountReviewer>.Instance);
    }
}
